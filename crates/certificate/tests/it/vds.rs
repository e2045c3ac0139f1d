//! ICAO VDS-NC: sign with the test barcode signer (fixtures/vds), verify against the test CSCA.

use serde_json::Value;
use vrs_certificate::{encode_bytes, verify_png, verify_text, Format, TrustList, VdsSigner};
use vrs_domain::CertificateKind;

use crate::support::{fixture, four_dose, overseas};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("vds/{name}"))).unwrap()
}

fn signer() -> VdsSigner {
    VdsSigner::new(&bytes("test-signer.pk8"), bytes("test-signer.der")).unwrap()
}

fn trust() -> TrustList {
    let mut t = TrustList::new();
    t.add_csca_der(bytes("test-csca.der"));
    t
}

const AT: f64 = 1_800_000_000.0;

#[test]
fn an_overseas_certificate_signs_and_verifies_as_icao_vacc() {
    let doc = signer().sign(&four_dose(overseas())).unwrap();
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        v["data"]["hdr"],
        serde_json::json!({"t": "icao.vacc", "v": 1, "is": "JPN"})
    );
    assert_eq!(v["data"]["msg"]["pid"]["n"], "YAMADA HANAKO");
    assert_eq!(v["data"]["msg"]["pid"]["i"], "TK1234567");
    assert_eq!(v["data"]["msg"]["uvci"].as_str().unwrap().len(), 12);
    assert_eq!(v["sig"]["alg"], "ES256");
    let card = verify_text(&doc, &trust(), AT).expect("verifies");
    assert_eq!(card.format, Format::VdsNc);
    assert_eq!(
        (
            card.name.as_str(),
            card.birth_date.as_str(),
            card.iss.as_str()
        ),
        ("YAMADA HANAKO", "1980-02-17", "JPN")
    );
    let seq: Vec<_> = card
        .doses
        .iter()
        .map(|d| (d.dose_number.unwrap(), d.country.as_deref().unwrap()))
        .collect();
    assert_eq!(seq, [(1, "JPN"), (2, "JPN"), (3, "JPN"), (4, "JPN")]);
    assert!(
        !doc.contains("山田"),
        "the kanji name stays off the overseas seal"
    );
}

#[test]
fn vds_nc_refusals_table() {
    let doc = signer().sign(&four_dose(overseas())).unwrap();
    let tampered = doc.replace("YAMADA HANAKO", "YAMADA TARO");
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    v["sig"]["alg"] = "RS256".into();
    let wrong_alg = v.to_string();
    for (name, text, trust, code) in [
        ("tampered name", tampered.as_str(), trust(), "bad_signature"),
        (
            "no trusted CSCA",
            doc.as_str(),
            TrustList::japan(),
            "untrusted_signer",
        ),
        (
            "other algorithm",
            wrong_alg.as_str(),
            trust(),
            "unsupported_algorithm",
        ),
        ("not a seal", r#"{"hello":1}"#, trust(), "malformed"),
    ] {
        let errors = verify_text(text, &trust, AT).unwrap_err();
        assert_eq!(errors[0].code, code, "case {name}: {errors:?}");
    }
}

#[test]
fn a_domestic_certificate_gets_no_vds_nc_and_a_foreign_certificate_is_refused_as_signer() {
    assert!(signer()
        .sign(&four_dose(CertificateKind::Domestic))
        .is_err());
    assert!(VdsSigner::new(&bytes("test-signer.pk8"), bytes("test-csca.der")).is_err());
}

#[test]
fn a_vds_nc_qr_png_reads_back_and_verifies() {
    let doc = signer().sign(&four_dose(overseas())).unwrap();
    let qr = encode_bytes(&doc).unwrap();
    let png = qr.to_png(3).unwrap();
    assert_eq!(
        verify_png(&png, &trust(), AT).unwrap().format,
        Format::VdsNc
    );
}
