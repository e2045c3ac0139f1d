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

/// Re-encodes `sig.cer` and `sig.sigvl` with or without `=` padding.
fn with_padding(doc: &str, padded: bool) -> String {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let mut v: Value = serde_json::from_str(doc).unwrap();
    for field in ["cer", "sigvl"] {
        let text = v["sig"][field].as_str().unwrap();
        let raw = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).unwrap();
        v["sig"][field] = if padded {
            URL_SAFE.encode(&raw)
        } else {
            URL_SAFE_NO_PAD.encode(&raw)
        }
        .into();
    }
    v.to_string()
}

#[test]
fn a_vds_nc_with_padded_base64url_values_verifies() {
    let doc = with_padding(&signer().sign(&four_dose(overseas())).unwrap(), true);
    let v: Value = serde_json::from_str(&doc).unwrap();
    // 64 bytes of r‖s need padding in base64url: the case that refused Australia's seals.
    assert!(v["sig"]["sigvl"].as_str().unwrap().ends_with('='), "{doc}");
    assert_eq!(
        verify_text(&doc, &trust(), AT).unwrap().format,
        Format::VdsNc
    );
}

#[test]
fn a_vds_nc_with_unpadded_base64url_values_verifies() {
    let doc = with_padding(&signer().sign(&four_dose(overseas())).unwrap(), false);
    assert!(!doc.contains("=\""), "{doc}");
    assert_eq!(
        verify_text(&doc, &trust(), AT).unwrap().format,
        Format::VdsNc
    );
}

#[test]
fn vrs_writes_base64url_with_padding_as_rfc_4648_section_5_does() {
    let doc = signer().sign(&four_dose(overseas())).unwrap();
    let v: Value = serde_json::from_str(&doc).unwrap();
    let sigvl = v["sig"]["sigvl"].as_str().unwrap();
    assert_eq!(sigvl.len(), 88, "64 bytes → 86 characters + 2 padding");
    assert!(sigvl.ends_with("=="));
    assert!(!sigvl.contains(['+', '/']));
}

#[test]
fn a_signer_the_csca_did_not_certify_for_vds_nc_vaccination_proofs_is_refused() {
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    use vrs_certificate::icao::{self, KeyUsageBit};
    // A CSCA and a signer made here; the signer is certified without the VDS-NC purpose.
    let csca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut csca = rcgen::CertificateParams::default();
    csca.distinguished_name = "C=UT,CN=Other CSCA"
        .parse::<icao::SignerSubject>()
        .unwrap()
        .distinguished_name();
    csca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    icao::add_extensions(&mut csca, &[icao::key_usage(&[KeyUsageBit::KeyCertSign])]);
    let csca_cert = csca.self_signed(&csca_key).unwrap();
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let signer_key = rcgen::KeyPair::try_from(pkcs8.as_ref()).unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = "C=UT,CN=Document Signer"
        .parse::<icao::SignerSubject>()
        .unwrap()
        .distinguished_name();
    // Key usage and the document type, but no VDS-NC extended key usage.
    icao::add_extensions(
        &mut params,
        &[
            icao::key_usage(&[KeyUsageBit::DigitalSignature]),
            icao::document_type_list(&["NV"]),
        ],
    );
    let cert = params
        .signed_by(&signer_key, &csca_cert, &csca_key)
        .unwrap();
    // Re-sign a seal with that signer.
    let mut v: Value =
        serde_json::from_str(&signer().sign(&four_dose(overseas())).unwrap()).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let sig = pair
        .sign(&rng, vrs_certificate::jcs(&v["data"]).as_bytes())
        .unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE;
    v["sig"]["cer"] = b64.encode(cert.der()).into();
    v["sig"]["sigvl"] = b64.encode(sig.as_ref()).into();
    let mut trust = TrustList::new();
    trust.add_csca_der(csca_cert.der().to_vec());
    let errors = verify_text(&v.to_string(), &trust, AT).unwrap_err();
    assert_eq!(errors[0].code, "untrusted_signer", "{errors:?}");
    assert!(
        errors[0].message.contains("2.23.136.1.1.14.2"),
        "{errors:?}"
    );
    // The same CSCA is no anchor for the test signer, and vice versa.
    let doc = signer().sign(&four_dose(overseas())).unwrap();
    assert_eq!(
        verify_text(&doc, &trust, AT).unwrap_err()[0].code,
        "untrusted_signer"
    );
}

/// The four-dose certificate with its second dose given at a Sapporo venue.
fn with_site(kind: CertificateKind) -> vrs_domain::CertificateContent {
    let c = four_dose(kind);
    let mut doses = c.doses().to_vec();
    doses[1].site = Some(vrs_domain::DoseSite {
        municipality: "011002".parse().unwrap(),
        venue: Some("札幌市集団接種会場".parse().unwrap()),
    });
    vrs_domain::CertificateContent::new(vrs_domain::CertificateParts {
        kind: c.kind().clone(),
        name: c.name().clone(),
        birth_date: c.birth_date(),
        doses,
        issuer: c.issuer(),
        id: c.id().clone(),
        issued_on: c.issued_on(),
    })
    .unwrap()
}

#[test]
fn every_vaccination_event_names_its_administering_centre_and_the_performer_is_the_site() {
    let doc = signer().sign(&with_site(overseas())).unwrap();
    let v: Value = serde_json::from_str(&doc).unwrap();
    let adm: Vec<&str> = v["data"]["msg"]["ve"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|ve| ve["vd"].as_array().unwrap())
        .map(|vd| vd["adm"].as_str().expect("vd.adm in every event"))
        .collect();
    assert_eq!(
        adm,
        [
            "Chiyoda City",
            "Sapporo City",
            "Chiyoda City",
            "Chiyoda City"
        ]
    );
    assert!(adm.iter().all(|a| a.len() <= 20 && a.is_ascii()));
    assert_eq!(
        verify_text(&doc, &trust(), AT).unwrap().doses[1]
            .performer
            .as_deref(),
        Some("Sapporo City")
    );
    // The SMART Health Card names the same site: the venue on a domestic card, the
    // municipality's English name on an overseas one.
    let iss = vrs_certificate::Issuer::new(
        vrs_certificate::DEFAULT_ISSUER_BASE_URL,
        "131016".parse().unwrap(),
    )
    .unwrap();
    let opts = vrs_certificate::IssueOptions {
        issuer: &iss,
        nbf: 1_673_308_800,
        exp: None,
        rid: None,
    };
    for (kind, want) in [
        (
            CertificateKind::Domestic,
            ["東京都千代田区", "札幌市集団接種会場"],
        ),
        (
            overseas(),
            ["Chiyoda City, Tokyo", "Sapporo City, Hokkaido"],
        ),
    ] {
        let payload: Value =
            serde_json::from_str(&vrs_certificate::payload_json(&with_site(kind), &opts)).unwrap();
        let got: Vec<&str> = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"]
            .as_array()
            .unwrap()[1..3]
            .iter()
            .map(|e| {
                e["resource"]["performer"][0]["actor"]["display"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(got, want);
    }
}

#[test]
fn the_holders_sex_is_in_the_seal_when_the_passport_gives_it() {
    let CertificateKind::Overseas(mut holder) = overseas() else {
        unreachable!()
    };
    assert_eq!(holder.sex, None);
    let without: Value = serde_json::from_str(
        &signer()
            .sign(&four_dose(CertificateKind::Overseas(holder.clone())))
            .unwrap(),
    )
    .unwrap();
    assert!(
        without["data"]["msg"]["pid"].get("sex").is_none(),
        "{without}"
    );
    holder.sex = Some(vrs_domain::Sex::Female);
    let doc = signer()
        .sign(&four_dose(CertificateKind::Overseas(holder)))
        .unwrap();
    let with: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(with["data"]["msg"]["pid"]["sex"], "F");
    assert_eq!(
        verify_text(&doc, &trust(), AT).unwrap().format,
        Format::VdsNc
    );
}
