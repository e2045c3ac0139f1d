//! Counter issuance (窓口発行) through the screens: the printed certificate's QR
//! code is read back from the page and verifies against the keys the server
//! publishes; the history says `counter`; the audit event names the clerk.

use vrs::certificate::{verify_text, Crl, Issuer, Jwks, TrustList};

use crate::support::{dose, start, Fixture};
use crate::web::Web;

/// The QR code of the page's first SVG, read back: its modules are the
/// `M{x},{y}h1v1h-1z` squares of the certificate crate's SVG.
pub(crate) fn qr_text_of(html: &str) -> String {
    let svg = &html[html.find("<svg").expect("an SVG QR code")..];
    let view = &svg[svg.find("viewBox=\"0 0 ").unwrap() + 13..];
    let n: usize = view[..view.find(' ').unwrap()].parse().unwrap();
    let d = &svg[svg.find("<path d=\"").unwrap() + 9..];
    let d = &d[..d.find('"').unwrap()];
    let mut dark = vec![false; n * n];
    for square in d.split('M').filter(|s| !s.is_empty()) {
        let xy = &square[..square.find('h').unwrap()];
        let (x, y) = xy.split_once(',').unwrap();
        dark[y.parse::<usize>().unwrap() * n + x.parse::<usize>().unwrap()] = true;
    }
    const SCALE: usize = 4;
    let side = n * SCALE;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        if dark[(y / SCALE) * n + x / SCALE] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the SVG");
    grids[0].decode().expect("the QR code decodes").1
}

async fn trust(f: &Fixture, kid: &str) -> TrustList {
    let get = |path: String| async move {
        let r = f.client.get(f.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_issuance_prints_a_certificate_whose_qr_verifies_and_is_recorded_as_counter() {
    let mut f = start().await;
    for (count, date) in [(1, "2021-06-01"), (2, "2021-06-22")] {
        let (status, body) = f
            .post(&f.device, "/api/v1/doses", &dose("131016", 5, count, date))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let web = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = web.get("/counter").await;
    assert_eq!(status, 200, "{html}");

    let r = web
        .client
        .post(format!("{}/counter", web.base))
        .header(reqwest::header::COOKIE, &web.cookie)
        .form(&[("csrf", web.csrf.as_str()), ("address_number", "A5")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("unsafe"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("予防接種証明書"), "{html}");
    assert!(!html.contains(&crate::support::my_number(5 + 131_016 * 1000)));

    let text = qr_text_of(&html);
    assert!(text.starts_with("shc:/"), "{text}");
    // The kid is in the JWS header (the first segment of the compact JWS).
    // SMART Health Cards numeric mode: each two digits are a character minus 45.
    let jws: String = text.as_bytes()["shc:/".len()..]
        .chunks(2)
        .map(|d| char::from(std::str::from_utf8(d).unwrap().parse::<u8>().unwrap() + 45))
        .collect();
    let header = data_encoding::BASE64URL_NOPAD
        .decode(jws.split('.').next().unwrap().as_bytes())
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    let trust = trust(&f, header["kid"].as_str().unwrap()).await;
    let now = chrono::Utc::now().timestamp() as f64 + 1.0;
    let v = verify_text(&text, &trust, now).expect("the printed QR code verifies");
    assert_eq!(v.doses.len(), 2);

    let (status, html) = web.get("/issuances").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("窓口"), "{html}");

    // A viewer may not issue (T1-9-1).
    let viewer = Web::sign_in(&f, &f.viewer, 0).await;
    let (status, html) = viewer.post("/counter", &[("address_number", "A5")]).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("T1-9-1"), "{html}");

    f.stop().await;
    let vrs = vrs::Vrs::open(&f.data_dir(), Box::new(vrs::SystemClock)).unwrap();
    let events = vrs
        .audit_search(
            Some("131016".parse().unwrap()),
            Some("issue_certificate"),
            None,
            10,
        )
        .unwrap();
    let issued = events
        .iter()
        .find(|e| e.detail["origin"] == "counter")
        .expect("the counter issuance's audit event");
    assert!(
        issued.actor.as_deref().is_some_and(|a| a.contains("clerk")),
        "{issued:?}"
    );
    let history = issued.detail.to_string();
    assert!(!history.contains("my_number"), "{history}");
}
