//! The official SMART Health Cards examples (fixtures/vectors/shc, see SOURCE.txt).

use vrs_certificate::{decode_numeric, verify_text, Crl, Issuer, Jwks, TrustList};

use crate::support::{read, EXAMPLE_ISS, TODAY};

fn trust(with_crl: bool) -> TrustList {
    let mut t = TrustList::japan();
    t.add_jwks(
        Issuer::from_url(EXAMPLE_ISS),
        Jwks::from_json(&read("vectors/shc/issuer-jwks.json")).unwrap(),
    );
    if with_crl {
        t.add_crl(
            Crl::from_json(&read(
                "vectors/shc/issuer-crl-3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json",
            ))
            .unwrap(),
        );
    }
    t
}

#[test]
fn example_00_is_valid_john_b_anyperson_with_three_doses() {
    let qr = read("vectors/shc/example-00-f-qr-code-numeric-value-0.txt");
    let card = verify_text(&qr, &trust(true), TODAY).expect("example-00 must verify");
    assert_eq!(card.name, "John B. Anyperson");
    assert_eq!(card.birth_date, "1951-01-20");
    assert_eq!(card.iss, EXAMPLE_ISS);
    assert_eq!(card.kid, "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s");
    let cvx: Vec<_> = card
        .doses
        .iter()
        .map(|d| d.cvx.as_deref().unwrap())
        .collect();
    assert_eq!(cvx, ["207", "207", "229"]);
    assert_eq!(card.doses[0].vaccine.as_deref(), Some("spikevax"));
    assert_eq!(card.doses[1].lot.as_deref(), Some("0000007"));
    assert_eq!(card.nbf, Some(1687450764.656));
    assert!(card.warnings.is_empty(), "{:?}", card.warnings);
}

#[test]
fn example_00_qr_decodes_to_the_official_jws_and_the_file_form_verifies_too() {
    let qr = read("vectors/shc/example-00-f-qr-code-numeric-value-0.txt");
    assert_eq!(
        decode_numeric(&[qr.trim()]).unwrap(),
        read("vectors/shc/example-00-d-jws.txt").trim()
    );
    let file = read("vectors/shc/example-00-e-file.smart-health-card");
    assert!(verify_text(&file, &trust(true), TODAY).is_ok());
}

#[test]
fn example_01_is_valid_and_its_expired_x5c_is_only_a_warning() {
    let qr = read("vectors/shc/example-01-f-qr-code-numeric-value-0.txt");
    let card = verify_text(&qr, &trust(true), TODAY).expect("example-01 must verify");
    assert_eq!(card.kid, "EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw");
    assert!(
        card.warnings
            .iter()
            .any(|w| w.contains("issuer certificate") && w.contains("expired on 2022-06-01")),
        "{:?}",
        card.warnings
    );
}

#[test]
fn example_02_three_chunks_reassemble_in_any_order_with_a_valid_signature() {
    let chunks: Vec<String> = (0..3)
        .map(|i| {
            read(&format!(
                "vectors/shc/example-02-f-qr-code-numeric-value-{i}.txt"
            ))
            .trim()
            .to_owned()
        })
        .collect();
    let scrambled = [chunks[2].as_str(), chunks[0].as_str(), chunks[1].as_str()];
    assert_eq!(
        decode_numeric(&scrambled).unwrap(),
        read("vectors/shc/example-02-d-jws.txt").trim()
    );
    // A vaccination verifier refuses it for its content (lab results), never for its signature.
    let errors = verify_text(&scrambled.join("\n"), &trust(true), TODAY).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["not_immunization_card"], "{errors:?}");
    assert!(
        errors[0].message.contains("signature is valid"),
        "{errors:?}"
    );
}

#[test]
fn example_03_is_refused_today_as_expired_and_revoked() {
    let qr = read("vectors/shc/example-03-f-qr-code-numeric-value-0.txt");
    let errors = verify_text(&qr, &trust(true), TODAY).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["expired", "revoked"], "{errors:?}");
}

#[test]
fn example_03_before_its_exp_without_a_crl_has_an_unknown_revocation_status_and_is_not_valid() {
    let qr = read("vectors/shc/example-03-f-qr-code-numeric-value-0.txt");
    let before_exp = 1_700_000_000.0;
    // Its key declares crlVersion: without the list, the status is unknown.
    let errors = verify_text(&qr, &trust(false), before_exp).unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.code).collect::<Vec<_>>(),
        ["revocation_unknown"],
        "{errors:?}"
    );
    // The caller may choose not to check (--no-revocation-check): valid, with a warning.
    let mut unchecked = trust(false);
    unchecked.skip_revocation_check();
    let card = verify_text(&qr, &unchecked, before_exp).expect("signature alone verifies");
    assert!(
        card.warnings.iter().any(|w| w.contains("not checked")),
        "{:?}",
        card.warnings
    );
    // With the list, it is revoked, whatever the caller chose.
    let errors = verify_text(&qr, &trust(true), before_exp).unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.code).collect::<Vec<_>>(),
        ["revoked"]
    );
    let mut with_list = trust(true);
    with_list.skip_revocation_check();
    assert_eq!(
        verify_text(&qr, &with_list, before_exp).unwrap_err()[0].code,
        "revoked"
    );
}

#[test]
fn verification_failures_table() {
    let jws00 = read("vectors/shc/example-00-d-jws.txt").trim().to_owned();
    let mut parts: Vec<String> = jws00.split('.').map(str::to_owned).collect();
    // Flip one signature character.
    let mut sig = parts[2].clone().into_bytes();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    parts[2] = String::from_utf8(sig).unwrap();
    let tampered = parts.join(".");
    let only_japan = TrustList::japan();
    let mut wrong_iss = TrustList::new();
    wrong_iss.add_jwks(
        Issuer::from_url("https://evil.example/issuer"),
        Jwks::from_json(&read("vectors/shc/issuer-jwks.json")).unwrap(),
    );
    for (name, text, trust, code) in [
        (
            "tampered signature",
            tampered.as_str(),
            trust(true),
            "bad_signature",
        ),
        (
            "issuer not trusted",
            jws00.as_str(),
            only_japan,
            "unknown_key",
        ),
        (
            "key trusted for another iss",
            jws00.as_str(),
            wrong_iss,
            "unknown_issuer",
        ),
        ("garbage", "not a card", trust(true), "malformed"),
        ("too early", jws00.as_str(), trust(true), "not_yet_valid"),
    ] {
        let at = if name == "too early" {
            1687450764.656 - 301.0
        } else {
            TODAY
        };
        let errors = verify_text(text, &trust, at).unwrap_err();
        assert_eq!(errors[0].code, code, "case {name}: {errors:?}");
    }
    // Within the 5-minute leeway it is accepted.
    assert!(verify_text(&jws00, &trust(true), 1687450764.656 - 299.0).is_ok());
}

#[test]
fn a_card_signed_with_the_unpublished_test_key_has_an_unknown_kid() {
    // issuer-jwks.private.json holds a third key (7rIUtD5K...) that the public JWKS lacks.
    let private = read("vectors/shc/issuer-jwks.private.json");
    assert!(private.contains("7rIUtD5K5Izrptr3ywgESTxhgJtJSeb06V42hg7WUDs"));
    let public = Jwks::from_json(&read("vectors/shc/issuer-jwks.json")).unwrap();
    assert!(public
        .keys
        .iter()
        .all(|k| k.kid != "7rIUtD5K5Izrptr3ywgESTxhgJtJSeb06V42hg7WUDs"));
    assert!(public.keys.iter().all(|k| k.kid_is_thumbprint()));
}
