//! `vrs certificate verify` against the official SHC examples: exact JSON fields and exit codes.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const EXAMPLE_ISS: &str = "https://spec.smarthealth.cards/examples/issuer";
/// 2026-11-27T00:00:00Z.
const TODAY: &str = "1795737600";

fn vectors(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/vectors/shc")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(["--json", "certificate", "verify"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, json)
}

fn example_trust() -> Vec<String> {
    vec![
        "--jwks".into(),
        format!("{EXAMPLE_ISS}={}", vectors("issuer-jwks.json")),
        "--crl".into(),
        vectors("issuer-crl-3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json"),
        "--at".into(),
        TODAY.into(),
    ]
}

fn with_trust(input: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = input.iter().map(|s| s.to_string()).collect();
    v.extend(example_trust());
    v
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn example_00_from_a_qr_file_is_valid_with_exit_0() {
    let qr = vectors("example-00-f-qr-code-numeric-value-0.txt");
    let (code, json) = run(&refs(&with_trust(&["--qr-file", &qr])));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["valid"], true);
    assert_eq!(json["format"], "shc");
    assert_eq!(json["iss"], EXAMPLE_ISS);
    assert_eq!(json["kid"], "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s");
    assert_eq!(json["nbf"], 1687450764.656);
    assert_eq!(json["name"], "John B. Anyperson");
    assert_eq!(json["birth_date"], "1951-01-20");
    assert_eq!(json["doses"].as_array().unwrap().len(), 3);
    assert_eq!(json["warnings"], Value::Array(vec![]));
}

#[test]
fn every_input_form_gives_the_same_verdict() {
    let qr_text =
        std::fs::read_to_string(vectors("example-00-f-qr-code-numeric-value-0.txt")).unwrap();
    let jws = vectors("example-00-d-jws.txt");
    let file = vectors("example-00-e-file.smart-health-card");
    for input in [
        vec!["--qr-text", qr_text.trim()],
        vec!["--jws", jws.as_str()],
        vec!["--jws", file.as_str()],
    ] {
        let (code, json) = run(&refs(&with_trust(&input)));
        assert_eq!(
            (code, &json["name"]),
            (0, &Value::from("John B. Anyperson")),
            "input {input:?}"
        );
    }
}

#[test]
fn example_01_is_valid_with_the_expired_x5c_as_a_warning() {
    let qr = vectors("example-01-f-qr-code-numeric-value-0.txt");
    let (code, json) = run(&refs(&with_trust(&["--qr-file", &qr])));
    assert_eq!(code, 0, "{json}");
    let warnings = json["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("expired")),
        "{json}"
    );
}

#[test]
fn example_03_is_refused_with_exit_1_as_expired_and_revoked() {
    let qr = vectors("example-03-f-qr-code-numeric-value-0.txt");
    let (code, json) = run(&refs(&with_trust(&["--qr-file", &qr])));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid"], false);
    let codes: Vec<&str> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["expired", "revoked"]);
    assert!(json["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("exp"));
}

#[test]
fn example_00_without_its_issuer_in_the_trust_list_is_an_unknown_key() {
    let qr = vectors("example-00-f-qr-code-numeric-value-0.txt");
    let (code, json) = run(&["--qr-file", &qr, "--at", TODAY]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["errors"][0]["code"], "unknown_key");
}

#[test]
fn malformed_arguments_exit_2() {
    let qr = vectors("example-00-f-qr-code-numeric-value-0.txt");
    let jwks = vectors("issuer-jwks.json");
    for args in [
        vec!["--jws", "/nonexistent/card.jws"],
        vec!["--qr-file", qr.as_str(), "--jwks", jwks.as_str()],
        vec!["--qr-file", qr.as_str(), "--at", "-5"],
        vec![],
    ] {
        let (code, _) = run(&args);
        assert_eq!(code, 2, "args {args:?}");
    }
}

#[test]
fn a_vds_nc_verifies_with_the_csca_given_as_pem_and_is_refused_without_it() {
    let vds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vds");
    let signer = vrs_certificate::VdsSigner::new(
        &std::fs::read(vds.join("test-signer.pk8")).unwrap(),
        std::fs::read(vds.join("test-signer.der")).unwrap(),
    )
    .unwrap();
    let content = vrs_domain::CertificateContent::new(vrs_domain::CertificateParts {
        kind: vrs_domain::CertificateKind::Overseas(vrs_domain::OverseasHolder {
            romaji_name: vrs_domain::RomajiName::new("YAMADA", "HANAKO").unwrap(),
            nationality: "JPN".parse().unwrap(),
            passport_number: "TK1234567".parse().unwrap(),
            sex: None,
        }),
        name: "山田　花子".parse().unwrap(),
        birth_date: "1980-02-17".parse().unwrap(),
        doses: vec![vrs_domain::CertificateDose {
            date: "2021-06-01".parse().unwrap(),
            site: None,
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            dose_number: vrs_domain::DoseNumber::new(1).unwrap(),
        }],
        issuer: "131016".parse().unwrap(),
        id: vrs_domain::CertificateId::from_random_bytes([3; 16]),
        issued_on: "2022-01-04".parse().unwrap(),
    })
    .unwrap();
    let doc = signer.sign(&content).unwrap();
    let pem = vds.join("test-csca.pem").display().to_string();
    let (code, json) = run(&["--qr-text", &doc, "--csca", &pem, "--at", TODAY]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["format"], "vds-nc");
    assert_eq!(json["name"], "YAMADA HANAKO");
    let (code, json) = run(&["--qr-text", &doc, "--at", TODAY]);
    assert_eq!(
        (code, json["errors"][0]["code"].as_str()),
        (1, Some("untrusted_signer"))
    );
}

#[test]
fn a10_6_1_verification_writes_nothing_to_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("vrs-data");
    let qr = vectors("example-00-f-qr-code-numeric-value-0.txt");
    let mut args = vec![
        "--data-dir".to_string(),
        data.display().to_string(),
        "certificate".into(),
        "verify".into(),
    ];
    args.extend(with_trust(&["--qr-file", &qr]));
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!data.exists(), "verify created {}", data.display());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_png_of_example_00_verifies_like_its_text() {
    let text =
        std::fs::read_to_string(vectors("example-00-f-qr-code-numeric-value-0.txt")).unwrap();
    let png = vrs_certificate::encode_shc(text.trim())
        .unwrap()
        .to_png(4)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example-00.png");
    std::fs::write(&path, png).unwrap();
    let (code, json) = run(&refs(&with_trust(&["--png", &path.display().to_string()])));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["name"], "John B. Anyperson");
}

#[test]
fn a_card_whose_key_declares_crl_version_is_not_valid_without_its_list_unless_told_not_to_check() {
    let qr = vectors("example-00-f-qr-code-numeric-value-0.txt");
    let jwks = format!("{EXAMPLE_ISS}={}", vectors("issuer-jwks.json"));
    let base = [
        "--qr-file",
        qr.as_str(),
        "--jwks",
        jwks.as_str(),
        "--at",
        TODAY,
    ];
    let (code, json) = run(&base);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["errors"][0]["code"], "revocation_unknown", "{json}");
    assert!(json["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("revocation status unknown"));
    let mut unchecked = base.to_vec();
    unchecked.push("--no-revocation-check");
    let (code, json) = run(&unchecked);
    assert_eq!(code, 0, "{json}");
    assert!(
        json["warnings"].to_string().contains("not checked"),
        "{json}"
    );
}
