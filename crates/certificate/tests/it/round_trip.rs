//! Issue → render → verify round trips, the zbarimg check, the golden payload, keys and CRLs.

use std::process::Command;

use expect_test::expect_file;
use vrs_certificate::{
    encode_shc, issue, payload_json, verify_png, verify_text, Crl, IssueOptions, Issuer, IssuerKey,
    Jwks, RevocationSecret, Revoked, TrustList, DEFAULT_ISSUER_BASE_URL,
};
use vrs_domain::CertificateKind;

use crate::support::{fixed_key, four_dose, overseas, rqrr_decode};

const NBF: i64 = 1_673_308_800; // 2023-01-10T00:00:00Z
const LATER: f64 = 1_700_000_000.0;

fn trust_for(iss: &Issuer, key: &IssuerKey) -> TrustList {
    let mut t = TrustList::new();
    t.add_jwks(
        iss.clone(),
        Jwks {
            keys: vec![key.public_jwk()],
        },
    );
    t
}

#[test]
fn an_issued_four_dose_card_verifies_with_its_content() {
    let content = four_dose(CertificateKind::Domestic);
    let key = IssuerKey::generate().unwrap();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: None,
            rid: None,
        },
    )
    .unwrap();
    let ok = verify_text(&card.qr_text(), &trust_for(&iss, &key), LATER).expect("round trip");
    assert_eq!(ok.iss, "https://vrs.example.jp/issuer/131016");
    assert_eq!(ok.kid, key.kid());
    assert_eq!(ok.name, "山田\u{3000}花子");
    assert_eq!(ok.birth_date, "1980-02-17");
    assert_eq!(ok.nbf, Some(NBF as f64));
    let got: Vec<_> = ok
        .doses
        .iter()
        .map(|d| {
            (
                d.date.as_str(),
                d.cvx.as_deref().unwrap(),
                d.lot.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2021-06-01", "208", "FA5765"),
            ("2021-06-22", "208", "FC3661"),
            ("2022-01-20", "221", "3005236"),
            ("2022-11-01", "300", "GK2936"),
        ]
    );
    assert_eq!(ok.doses[0].performer.as_deref(), Some("東京都千代田区"));
    // The compact JWS and the .smart-health-card file verify the same way.
    assert_eq!(
        verify_text(card.jws(), &trust_for(&iss, &key), LATER).unwrap(),
        ok
    );
    assert_eq!(
        verify_text(&card.to_file_json(), &trust_for(&iss, &key), LATER).unwrap(),
        ok
    );
}

#[test]
fn an_overseas_card_carries_the_romaji_name_and_no_passport_number_in_the_qr() {
    let content = four_dose(overseas());
    let key = fixed_key();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let opts = IssueOptions {
        issuer: &iss,
        nbf: NBF,
        exp: None,
        rid: None,
    };
    let json = payload_json(&content, &opts);
    assert!(
        json.contains(r#""family":"YAMADA","given":["HANAKO"]"#),
        "{json}"
    );
    assert!(
        !json.contains("TK1234567") && !json.contains("山田"),
        "{json}"
    );
    let card = issue(&content, &key, &opts).unwrap();
    assert_eq!(
        verify_text(card.jws(), &trust_for(&iss, &key), LATER)
            .unwrap()
            .name,
        "HANAKO YAMADA"
    );
}

#[test]
fn a_revoked_card_is_refused_and_other_cards_of_the_key_are_not() {
    let content = four_dose(CertificateKind::Domestic);
    let key = IssuerKey::generate().unwrap();
    let secret = RevocationSecret::generate().unwrap();
    let rid = secret.rid(&"A900000001".parse().unwrap());
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: None,
            rid: Some(&rid),
        },
    )
    .unwrap();
    let mut jwk = key.public_jwk();
    jwk.crl_version = Some(1);
    let mut trust = TrustList::new();
    trust.add_jwks(iss.clone(), Jwks { keys: vec![jwk] });
    let other = RevocationSecret::from_bytes([5; 32]).rid(&"A900000001".parse().unwrap());
    trust.add_crl(Crl {
        kid: key.kid().to_owned(),
        ctr: 1,
        rids: vec![Revoked {
            rid: other,
            before: None,
        }],
    });
    assert!(
        verify_text(card.jws(), &trust, LATER).is_ok(),
        "rid not listed"
    );
    trust.add_crl(Crl {
        kid: key.kid().to_owned(),
        ctr: 2,
        rids: vec![Revoked { rid, before: None }],
    });
    let errors = verify_text(card.jws(), &trust, LATER).unwrap_err();
    assert_eq!(errors[0].code, "revoked", "{errors:?}");
}

#[test]
fn an_expired_card_is_refused_and_exp_is_optional() {
    let content = four_dose(CertificateKind::Domestic);
    let key = IssuerKey::generate().unwrap();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: Some(NBF + 10),
            rid: None,
        },
    )
    .unwrap();
    let errors = verify_text(card.jws(), &trust_for(&iss, &key), LATER).unwrap_err();
    assert_eq!(errors[0].code, "expired");
}

#[test]
fn a_rendered_png_reads_back_with_rqrr_and_verifies() {
    let content = four_dose(CertificateKind::Domestic);
    let key = IssuerKey::generate().unwrap();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: None,
            rid: None,
        },
    )
    .unwrap();
    let qr = encode_shc(&card.qr_text()).unwrap();
    assert!(qr.version() <= 22, "version {}", qr.version());
    assert_eq!(
        rqrr_decode(qr.size(), |x, y| qr.dark(x, y)).as_deref(),
        Some(card.qr_text().as_str())
    );
    let png = qr.to_png(4).unwrap();
    assert!(verify_png(&png, &trust_for(&iss, &key), LATER).is_ok());
    let svg = qr.to_svg();
    assert!(svg.contains("<path d=\"M") && svg.ends_with("</svg>\n"));
}

#[test]
fn a_rendered_png_reads_back_with_zbarimg_to_the_same_text() {
    let content = four_dose(CertificateKind::Domestic);
    let key = fixed_key();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: None,
            rid: None,
        },
    )
    .unwrap();
    let png = encode_shc(&card.qr_text()).unwrap().to_png(4).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.png");
    std::fs::write(&path, png).unwrap();
    let out = match Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            println!(
                "SKIPPED: zbarimg not found ({e}); install Debian's zbar-tools to run this check"
            );
            return;
        }
    };
    assert!(
        out.status.success(),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        card.qr_text()
    );
}

#[test]
fn the_fixed_certificate_has_a_fixed_payload_golden() {
    let content = four_dose(CertificateKind::Domestic);
    let key = fixed_key();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let rid = RevocationSecret::from_bytes([42; 32]).rid(&"A900000001".parse().unwrap());
    let opts = IssueOptions {
        issuer: &iss,
        nbf: NBF,
        exp: None,
        rid: Some(&rid),
    };
    let card = issue(&content, &key, &opts).unwrap();
    // ECDSA signatures are randomised; header and payload are not.
    let (signed, _sig) = card.jws().rsplit_once('.').unwrap();
    let qr = encode_shc(&card.qr_text()).unwrap();
    let golden = format!(
        "payload (minified JSON before DEFLATE):\n{}\n\nJWS header.payload:\n{signed}\n\njws chars: {}\nqr: version {}, ec {}\n",
        payload_json(&content, &opts),
        card.jws().len(),
        qr.version(),
        qr.ec_level().as_str(),
    );
    expect_file!["golden/four-dose-domestic.txt"].assert_eq(&golden);
}
