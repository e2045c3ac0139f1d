//! QR crate comparison (correctness half; speed in benches/certificates.rs): each
//! candidate encodes the same SHC text and must read back exactly with rqrr.

use vrs_certificate::{encode_shc, issue, IssueOptions, Issuer, DEFAULT_ISSUER_BASE_URL};
use vrs_domain::CertificateKind;

use crate::support::{fixed_key, four_dose, read, rqrr_decode};

fn payloads() -> Vec<(&'static str, String)> {
    let content = four_dose(CertificateKind::Domestic);
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &fixed_key(),
        &IssueOptions {
            issuer: &iss,
            nbf: 1_673_308_800,
            exp: None,
            rid: None,
        },
    )
    .unwrap();
    vec![
        ("four-dose card", card.qr_text()),
        (
            "example-00",
            read("vectors/shc/example-00-f-qr-code-numeric-value-0.txt")
                .trim()
                .to_owned(),
        ),
        (
            "example-01",
            read("vectors/shc/example-01-f-qr-code-numeric-value-0.txt")
                .trim()
                .to_owned(),
        ),
    ]
}

#[test]
fn qrcodegen_qrcode_and_fast_qr_all_read_back_correctly() {
    for (name, text) in payloads() {
        let ours = encode_shc(&text).unwrap();
        assert_eq!(
            rqrr_decode(ours.size(), |x, y| ours.dark(x, y)).as_deref(),
            Some(text.as_str()),
            "qrcodegen {name}"
        );

        let qc = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L)
            .unwrap();
        let w = qc.width();
        let colors = qc.to_colors();
        let got = rqrr_decode(w, |x, y| colors[y * w + x] == qrcode::Color::Dark);
        assert_eq!(got.as_deref(), Some(text.as_str()), "qrcode {name}");

        let fq = fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(fast_qr::ECL::L)
            .build()
            .unwrap();
        let got = rqrr_decode(fq.size, |x, y| fq.data[y * fq.size + x].value());
        assert_eq!(got.as_deref(), Some(text.as_str()), "fast_qr {name}");
    }
}

#[test]
fn only_segment_aware_encoders_keep_an_shc_card_within_version_22() {
    // fast_qr puts the whole text in one byte segment (8 bits per digit instead of 3.3).
    for (name, text) in payloads() {
        let ours = encode_shc(&text).unwrap();
        let qc = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L)
            .unwrap();
        let qc_version = match qc.version() {
            qrcode::Version::Normal(v) => v,
            qrcode::Version::Micro(v) => v,
        };
        let fq = fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(fast_qr::ECL::L)
            .build()
            .unwrap();
        let fq_version = (fq.size - 17) / 4;
        assert!(ours.version() <= 22, "qrcodegen {name}: {}", ours.version());
        assert!(qc_version <= 22, "qrcode {name}: {qc_version}");
        assert!(
            fq_version > usize::from(ours.version()),
            "fast_qr {name}: {fq_version}"
        );
    }
}

#[test]
fn the_codes_of_many_fresh_cards_all_read_back() {
    // Fresh key per card: DEFLATE output and signatures differ every time.
    let content = four_dose(CertificateKind::Domestic);
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    for i in 0..24 {
        let key = vrs_certificate::IssuerKey::generate().unwrap();
        let card = issue(
            &content,
            &key,
            &IssueOptions {
                issuer: &iss,
                nbf: 1_673_308_800 + i,
                exp: None,
                rid: None,
            },
        )
        .unwrap();
        let text = card.qr_text();
        let qr = encode_shc(&text).unwrap();
        if rqrr_decode(qr.size(), |x, y| qr.dark(x, y)).as_deref() != Some(text.as_str()) {
            // Fresh keys make every run's cards differ: keep the text so that the failure
            // can be reproduced (`encode_shc` is deterministic for a given text).
            let dir = std::env::temp_dir().join("vrs-qr-read-failures");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("card-{i}-mask-{}.txt", qr.mask()));
            std::fs::write(&path, &text).unwrap();
            panic!(
                "card {i} mask {}: rqrr did not read it back (QR text kept in {})",
                qr.mask(),
                path.display()
            );
        }
    }
}

#[test]
#[ignore = "slow opt-in suite: 300 fresh cards; run with --release -- --ignored"]
fn many_fresh_cards_read_back_with_rqrr() {
    let content = four_dose(CertificateKind::Domestic);
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let mut failures = Vec::new();
    for i in 0..300 {
        let key = vrs_certificate::IssuerKey::generate().unwrap();
        let opts = IssueOptions {
            issuer: &iss,
            nbf: 1_673_308_800 + i,
            exp: None,
            rid: None,
        };
        let text = issue(&content, &key, &opts).unwrap().qr_text();
        let qr = encode_shc(&text).unwrap();
        if rqrr_decode(qr.size(), |x, y| qr.dark(x, y)).as_deref() != Some(text.as_str()) {
            failures.push(format!("card {i} mask {}", qr.mask()));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
