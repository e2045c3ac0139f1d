//! Card dumps made by `cargo xtask fixtures cards`: the whole chain, tampering, liveness.

use vrs_domain::Sex;
use vrs_identity::card::mint::{self, CardSpec, TestCardIssuer};
use vrs_identity::{CardDump, CardFile, CardVerifier, IdentityError, TrustAnchors};

use crate::fixtures;

fn anchors_with_test_ca() -> TrustAnchors {
    let mut a = TrustAnchors::card_defaults();
    let json = std::fs::read_to_string(fixtures().join("cards/test-ca.json")).unwrap();
    a.extend(TrustAnchors::from_json(&json).unwrap());
    a
}

fn load(file: &str) -> CardDump {
    let json = std::fs::read_to_string(fixtures().join("cards").join(file)).unwrap();
    CardDump::from_json(&json).unwrap()
}

fn issuer() -> TestCardIssuer {
    TestCardIssuer::from_fixture_dir(&fixtures().join("cards")).unwrap()
}

fn kokuto() -> CardSpec {
    CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐 幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: Sex::Male,
    }
}

#[test]
fn every_generated_card_verifies_or_fails_with_its_own_kind() {
    let index: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("cards/index.json")).unwrap(),
    )
    .unwrap();
    assert!(index.len() >= 16, "index has {} entries", index.len());
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let mut kinds = std::collections::BTreeSet::new();
    for e in &index {
        let file = e["file"].as_str().unwrap();
        let expect = e["expect"].as_str().unwrap();
        let result = verifier.verify(&load(file));
        match (expect, result) {
            ("valid", Ok(holder)) => {
                assert_eq!(
                    holder.liveness(),
                    e["liveness"].as_bool().unwrap(),
                    "file {file}"
                )
            }
            ("valid", Err(err)) => panic!("file {file}: expected valid, got {err}"),
            (kind, Ok(_)) => panic!("file {file}: expected {kind}, verified"),
            (kind, Err(err)) => {
                assert_eq!(err.kind(), kind, "file {file}: {err}");
                let detail = e["detail_contains"].as_str().unwrap();
                assert!(err.to_string().contains(detail), "file {file}: {err}");
                kinds.insert(kind.to_owned());
            }
        }
    }
    let all: std::collections::BTreeSet<String> = [
        "malformed",
        "hash_mismatch",
        "bad_signature",
        "bad_certificate",
        "unknown_ca",
        "bad_liveness",
    ]
    .map(String::from)
    .into();
    assert_eq!(kinds, all, "every error kind has a tampered fixture");
}

#[test]
fn the_generated_card_reproduces_the_reference_ef0002_vector_byte_for_byte() {
    let dump = load("valid-kokuto.json");
    assert_eq!(
        hex::encode(&dump.ef0002),
        "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df24083139383030323137df250131"
    );
    assert_eq!(dump.ef0001.len(), 17);
    assert_eq!(dump.ef0003.len(), 5 + 0x14B);
    assert_eq!(dump.ef0004.len(), 5 + 0x233);
    assert_eq!(dump.ef0007.as_ref().map(Vec::len), Some(5 + 0x213));
}

#[test]
fn a_verified_holder_carries_the_signed_fields_and_a_masked_my_number() {
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let h = verifier.verify(&load("valid-kokuto-live.json")).unwrap();
    assert_eq!(h.name().to_string(), "黒桐\u{3000}幹也");
    assert_eq!(h.address(), "東京都清瀬市観布子南１２－７－２０２");
    assert_eq!(h.birth_date().to_string(), "1980-02-17");
    assert_eq!(h.sex(), Sex::Male);
    assert!(h.liveness());
    assert_eq!(h.my_number().expose(), "537686677188");
    assert!(!format!("{h:?}").contains("537686677188"));
}

#[test]
fn the_test_ca_is_not_trusted_by_default() {
    let err = CardVerifier::default()
        .verify(&load("valid-kokuto.json"))
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_ca");
    assert!(
        err.to_string().contains(&hex::encode(mint::TEST_CA_KEY_ID)),
        "{err}"
    );
}

#[test]
fn demanded_liveness_fails_without_a_nonce_and_passes_with_one() {
    let verifier = CardVerifier::new(anchors_with_test_ca()).require_liveness(true);
    let err = verifier.verify(&load("valid-kokuto.json")).unwrap_err();
    assert!(matches!(err, IdentityError::BadLiveness { .. }), "{err}");
    assert!(verifier
        .verify(&load("valid-kokuto-live.json"))
        .unwrap()
        .liveness());
}

#[test]
fn a_replayed_dump_fails_against_a_fresh_challenge() {
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let recorded = load("valid-kokuto-live.json");
    let fresh = [0x42u8; 32];
    let err = verifier.verify_challenge(&recorded, &fresh).unwrap_err();
    assert_eq!(err.kind(), "bad_liveness");
    // The card itself answering the fresh challenge passes.
    let answered = issuer().mint_with_nonce(&kokuto(), &fresh);
    assert!(verifier
        .verify_challenge(&answered, &fresh)
        .unwrap()
        .liveness());
}

#[test]
fn liveness_input_errors_are_bad_liveness() {
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let live = load("valid-kokuto-live.json");
    let mut cases: Vec<(&str, CardDump)> = Vec::new();
    let mut d = live.clone();
    d.nonce_signature = None;
    cases.push(("nonce without signature", d));
    let mut d = live.clone();
    d.ef0007 = None;
    cases.push(("no ef0007", d));
    let short = [1u8; 8];
    cases.push(("short nonce", issuer().mint_with_nonce(&kokuto(), &short)));
    for (name, dump) in cases {
        let err = verifier.verify(&dump).unwrap_err();
        assert_eq!(err.kind(), "bad_liveness", "case {name}: {err}");
    }
}

#[test]
fn minted_cards_for_any_resident_verify() {
    let issuer = issuer();
    let mut anchors = TrustAnchors::empty();
    anchors.add(issuer.anchor());
    let spec = CardSpec {
        my_number: "123456789018".parse().unwrap(),
        name: "SMITH JOHN PAUL".parse().unwrap(),
        address: "東京都千代田区千代田１－１".repeat(8),
        birth_date: "2000-02-29".parse().unwrap(),
        sex: Sex::NotApplicable,
    };
    let h = CardVerifier::new(anchors)
        .verify(&issuer.mint(&spec))
        .unwrap();
    assert_eq!(h.name().given(), "JOHN PAUL");
    assert_eq!(h.address().chars().count(), 8 * 13);
    assert_eq!(h.sex(), Sex::NotApplicable);
}

#[test]
fn malformed_errors_name_the_file_and_never_the_my_number() {
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let mut d = load("valid-kokuto.json");
    d.ef0001[14] = b'0'; // breaks the check digit
    let err = verifier.verify(&d).unwrap_err();
    match &err {
        IdentityError::Malformed { file, offset, .. } => {
            assert_eq!((*file, *offset), (CardFile::Ef0001, 3))
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("53768667"), "{err}");
}

#[test]
fn a_dump_with_every_file_truncated_at_every_length_never_panics() {
    let verifier = CardVerifier::new(anchors_with_test_ca());
    let live = load("valid-kokuto-live.json");
    for which in 0..5 {
        let len = match which {
            0 => live.ef0001.len(),
            1 => live.ef0002.len(),
            2 => live.ef0003.len(),
            3 => live.ef0004.len(),
            _ => live.ef0007.as_ref().unwrap().len(),
        };
        for cut in 0..len {
            let mut d = live.clone();
            match which {
                0 => d.ef0001.truncate(cut),
                1 => d.ef0002.truncate(cut),
                2 => d.ef0003.truncate(cut),
                3 => d.ef0004.truncate(cut),
                _ => d.ef0007.as_mut().unwrap().truncate(cut),
            }
            let err = verifier.verify(&d).unwrap_err();
            // Cutting EF 0001's trailing filler changes only its hash.
            assert!(
                matches!(err.kind(), "malformed" | "hash_mismatch"),
                "file {which} cut at {cut}: {err}"
            );
        }
    }
}

#[test]
fn an_imported_resident_gets_a_card_that_verifies_to_the_same_person() {
    let resident = vrs_domain::Resident {
        municipality: "131016".parse().unwrap(),
        address_number: "A000000001".parse().unwrap(),
        my_number: "123456789018".parse().unwrap(),
        ticket_number: "0000000001".parse().unwrap(),
        name: "山田 花子".parse().unwrap(),
        name_kana: "ヤマダ ハナコ".parse().unwrap(),
        birth_date: "1992-07-01".parse().unwrap(),
        sex: Sex::Female,
        previous_municipality: None,
        moved_in_on: None,
    };
    let issuer = issuer();
    let spec = CardSpec::for_resident(&resident, "東京都千代田区架空町１－２－３");
    let dump = issuer.mint_with_nonce(&spec, &[9u8; 16]);
    let mut anchors = TrustAnchors::empty();
    anchors.add(issuer.anchor());
    let h = CardVerifier::new(anchors)
        .require_liveness(true)
        .verify(&dump)
        .unwrap();
    assert_eq!(h.my_number(), &resident.my_number);
    assert_eq!(h.name(), &resident.name);
    assert_eq!(h.birth_date(), resident.birth_date);
    assert_eq!(h.sex(), resident.sex);
    assert_eq!(h.address(), "東京都千代田区架空町１－２－３");
}
