//! The staff screens in Chromium: a clerk signs in with TOTP, uploads a CSV with
//! a bad row and sees its line and column (nothing imported), uploads the good
//! file, searches a resident, corrects a dose with a reason and sees the history,
//! and issues a certificate at the counter whose printed QR code verifies; a
//! prefecture user on a person page gets the 403 page citing T1-4-6.

use vrs::certificate::{verify_text, Crl, Issuer, Jwks, TrustList};

use super::{Browser, Site};
use crate::support::{row, HEADER};

/// The page's HTML as the browser has it now.
async fn html(b: &Browser) -> String {
    b.eval("return document.documentElement.outerHTML")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// The trust list of 131016 as a verifier builds it from the service.
async fn trust(site: &Site, kid: &str) -> TrustList {
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = site.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let jwks: Jwks =
        serde_json::from_str(&get("/issuer/131016/.well-known/jwks.json".into()).await).unwrap();
    let crl =
        Crl::from_json(&get(format!("/issuer/131016/.well-known/crl/{kid}.json")).await).unwrap();
    let directory: serde_json::Value =
        serde_json::from_str(&get("/issuer/directory.json".into()).await).unwrap();
    let iss = directory["issuers"][0]["iss"].as_str().unwrap().to_owned();
    let mut trust = TrustList::new();
    trust.add_jwks(Issuer::from_url(&iss), jwks);
    trust.add_crl(crl);
    trust
}

/// The `kid` of a SMART Health Card QR text (numeric mode: two digits a character).
fn kid_of(qr: &str) -> String {
    let jws: String = qr.as_bytes()["shc:/".len()..]
        .chunks(2)
        .map(|d| char::from(std::str::from_utf8(d).unwrap().parse::<u8>().unwrap() + 45))
        .collect();
    let header = data_encoding::BASE64URL_NOPAD
        .decode(jws.split('.').next().unwrap().as_bytes())
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_uploads_searches_corrects_and_issues_at_the_counter_in_chromium() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = Site::start().await;
    site.down().await;
    site.register(&[("131016", 3, 1, "2021-06-01")]);
    site.up().await;
    b.sign_in(&site, &site.people.clerk).await;

    // A file with a bad row: its line and column are shown, nothing is imported.
    let dir = tempfile::tempdir().unwrap();
    let good = format!("{HEADER}{}{}", row("131016", 31), row("131016", 32));
    let bad = format!(
        "{HEADER}{}{}",
        row("131016", 31),
        row("131016", 32).replace("1980-02-17", "1980-02-30")
    );
    let (bad_file, good_file) = (dir.path().join("bad.csv"), dir.path().join("good.csv"));
    std::fs::write(&bad_file, &bad).unwrap();
    std::fs::write(&good_file, &good).unwrap();
    for (file, expect) in [
        (&bad_file, "何も取り込んでいません"),
        (&good_file, "取り込みました"),
    ] {
        b.open(&site.url("/upload")).await;
        b.fill("#file", file.to_str().unwrap()).await;
        b.click("form[action='/upload'] button[type=submit]").await;
        b.until(
            15,
            expect,
            &format!("document.body.innerText.includes('{expect}')"),
        )
        .await;
    }
    b.open(&site.url("/upload")).await;
    b.fill("#file", bad_file.to_str().unwrap()).await;
    b.click("form[action='/upload'] button[type=submit]").await;
    b.until(
        15,
        "the fault table",
        "document.querySelector('table.faults')",
    )
    .await;
    let fault = b
        .eval("return [...document.querySelectorAll('table.faults tbody tr')].map(r => r.innerText).join('|')")
        .await;
    let fault = fault.as_str().unwrap();
    assert!(
        fault.contains('3') && fault.contains("birth_date"),
        "{fault}"
    );

    // Search by address number, open the person.
    b.open(&site.url("/residents")).await;
    b.fill("#address_number", "A3").await;
    b.click("form[action='/residents'] button[type=submit]")
        .await;
    b.until(
        10,
        "a result",
        "document.querySelector(\"a[href='/residents/A3']\")",
    )
    .await;
    b.click("a[href='/residents/A3']").await;
    b.until(
        10,
        "the resident page",
        "location.pathname === '/residents/A3'",
    )
    .await;

    // Correct the dose's lot with a reason; the history shows both versions and why.
    // Open the correction form as a user does: its summary.
    b.click("details:has(form[action$='/correct']) > summary")
        .await;
    b.fill("form[action$='/correct'] input[name=lot]", "FB1234")
        .await;
    b.fill(
        "form[action$='/correct'] input[name=reason]",
        "ロット番号の転記誤り",
    )
    .await;
    b.click("form[action$='/correct'] button[type=submit]")
        .await;
    b.until(
        10,
        "the corrected dose",
        "document.body.innerHTML.includes('FB1234')",
    )
    .await;
    let page = html(&b).await;
    assert!(page.contains("ロット番号の転記誤り"), "{page}");
    assert!(
        page.contains("FA5765") && page.contains("corrected"),
        "{page}"
    );

    // Counter issuance: the printed page's QR code verifies.
    b.open(&site.url("/counter")).await;
    b.fill("#address_number", "A3").await;
    b.click("form[action='/counter'] button[type=submit]").await;
    b.until(10, "the certificate", "document.querySelector('svg')")
        .await;
    let page = html(&b).await;
    let qr = crate::web_counter::qr_text_of(&page);
    let trust = trust(&site, &kid_of(&qr)).await;
    let now = chrono::Utc::now().timestamp() as f64 + 1.0;
    let v = verify_text(&qr, &trust, now).expect("the printed QR code verifies");
    assert_eq!(v.doses.len(), 1);

    // A prefecture user on a person page: the 403 page citing T1-4-6.
    b.client.delete_all_cookies().await.unwrap();
    b.sign_in(&site, &site.people.prefecture).await;
    b.open(&site.url("/residents/A1")).await;
    let text = b.text("main").await;
    assert!(text.contains("T1-4-6"), "{text}");
    b.close().await;
    site.down().await;
}
