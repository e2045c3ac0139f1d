//! The public verifier in Chromium: a certificate issued through the app API is
//! valid, and revoked after its dose is corrected; nothing read is stored or logged
//! (A10-6-1).

use vrs::domain::TicketNumber;
use vrs::identity::card::mint::{CardSpec, TestCardIssuer};
use vrs::{Answer, Correction, Lookup};

use super::{Browser, Site};
use crate::support::logs;

fn card_issuer() -> TestCardIssuer {
    TestCardIssuer::from_fixture_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards"),
    )
    .unwrap()
}

fn kokuto() -> CardSpec {
    CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐\u{3000}幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: vrs::domain::Sex::Male,
    }
}

/// Issues 黒桐 幹也's certificate through the app API; returns its QR text.
pub(super) async fn issue(site: &Site) -> String {
    let client = reqwest::Client::new();
    let challenge: serde_json::Value = client
        .post(site.url("/app/v1/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nonce = hex::decode(challenge["nonce"].as_str().unwrap()).unwrap();
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let r = client
        .post(site.url("/app/v1/applications"))
        .json(&serde_json::json!({ "municipality": "131016", "kind": "domestic", "card": card }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let issued: serde_json::Value = r.json().await.unwrap();
    issued["qr"].as_str().unwrap().to_owned()
}

/// Every byte of the database files (main file and write-ahead log).
fn database_bytes(site: &Site) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(site.data_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            all.extend(std::fs::read(&p).unwrap());
        }
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn verify_in_browser(b: &Browser, site: &Site, qr: &str) -> (String, String) {
    b.open(&site.url("/verify")).await;
    b.fill("#qr", qr).await;
    b.click("#verify").await;
    b.until(
        10,
        "the verifier's answer",
        "document.getElementById('result')",
    )
    .await;
    let valid = b
        .eval("return document.getElementById('result').dataset.valid")
        .await;
    (valid.as_str().unwrap().to_owned(), b.text("#result").await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_6_1_the_verifier_shows_a_fresh_certificate_valid_and_revoked_after_a_correction_storing_nothing(
) {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = Site::start().await;
    site.down().await;
    site.register(&[("131016", 900001, 1, "2021-06-01")]);
    site.up().await;
    let qr = issue(&site).await;

    site.down().await;
    let events_before = site.open().audit_verify().unwrap().events;
    site.up().await;
    let (valid, text) = verify_in_browser(&b, &site, &qr).await;
    assert_eq!(valid, "true", "{text}");
    assert!(
        text.contains("黒桐") && text.contains("1980-02-17"),
        "{text}"
    );
    assert!(
        text.contains("2021-06-01") && text.contains("FA5765"),
        "{text}"
    );
    assert!(text.contains("/131016"), "the issuer: {text}");
    // A10-6-1: nothing read went to the log or the database.
    let fragment = &qr[5..60];
    assert!(!logs().contains(fragment), "the QR text was logged");
    assert!(!logs().contains("黒桐"), "the holder's name was logged");
    site.down().await;
    let after = database_bytes(&site);
    assert!(
        !contains(&after, fragment.as_bytes()),
        "the QR text was stored"
    );
    // Not the files' length: SQLite's WAL and its checkpoints change that on their own.
    let events_after = site.open().audit_verify().unwrap().events;
    assert_eq!(
        events_before, events_after,
        "verifying wrote an audit event"
    );

    // A correction revokes the certificates showing the dose.
    {
        let mut vrs = site.open();
        let chiyoda = "municipality:131016".parse().unwrap();
        let ticket: TicketNumber = "0000900001".parse().unwrap();
        let Answer::Done(doses) = vrs
            .list_doses(chiyoda, &Lookup::TicketNumber(ticket))
            .unwrap()
        else {
            panic!("refused")
        };
        let correction = Correction {
            lot: Some("EY0572".parse().unwrap()),
            ..Correction::default()
        };
        let Answer::Done(Ok(_)) = vrs
            .correct_dose(chiyoda, doses[0].id, &correction, "lot misread")
            .unwrap()
        else {
            panic!("correction refused")
        };
    }
    site.up().await;
    let (valid, text) = verify_in_browser(&b, &site, &qr).await;
    assert_eq!(valid, "false", "{text}");
    let codes = b
        .eval("return Array.from(document.querySelectorAll('#reasons li')).map(l => l.dataset.code).join(',')")
        .await;
    assert!(
        codes.as_str().unwrap().contains("revoked"),
        "{codes}: {text}"
    );
    // A tampered text is not valid either, and says why.
    let mut bad = qr.clone();
    bad.pop();
    bad.push('9');
    let (valid, _) = verify_in_browser(&b, &site, &bad).await;
    assert_eq!(valid, "false");
    b.close().await;
    site.down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_image_is_read_in_the_browser_by_jsqr_and_a_png_the_browser_cannot_read_by_the_server()
{
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = Site::start().await;
    site.down().await;
    site.register(&[("131016", 900001, 1, "2021-06-01")]);
    site.up().await;
    let qr = issue(&site).await;
    let png = vrs::certificate::encode_shc(&qr)
        .unwrap()
        .to_png(4)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("certificate.png");
    std::fs::write(&file, &png).unwrap();
    let path = file.to_str().unwrap();

    // In the browser: jsQR (vendored) reads the image and the text is verified.
    b.open(&site.url("/verify")).await;
    b.client
        .find(fantoccini::Locator::Css("#image"))
        .await
        .unwrap()
        .send_keys(path)
        .await
        .unwrap();
    b.until(
        15,
        "the verifier's answer",
        "document.getElementById('result')",
    )
    .await;
    assert_eq!(
        b.eval("return document.getElementById('result').dataset.valid")
            .await,
        "true",
        "{}",
        b.text("#result").await
    );
    assert_eq!(
        b.eval("return typeof window.jsQR").await,
        "undefined",
        "the page after submitting loads no decoder until asked"
    );

    // Without the browser's decoder, the PNG itself goes to the server, which reads it.
    b.open(&site.url("/verify")).await;
    b.eval("window.jsQR = function () { return null; }; return null")
        .await;
    b.client
        .find(fantoccini::Locator::Css("#image"))
        .await
        .unwrap()
        .send_keys(path)
        .await
        .unwrap();
    b.until(
        10,
        "the page leaving the PNG to the server",
        "document.getElementById('scan-status').textContent.includes('サーバ')",
    )
    .await;
    b.click("#verify").await;
    b.until(
        10,
        "the verifier's answer",
        "document.getElementById('result')",
    )
    .await;
    assert_eq!(
        b.eval("return document.getElementById('result').dataset.valid")
            .await,
        "true",
        "{}",
        b.text("#result").await
    );
    b.close().await;
    site.down().await;
}
