//! `vrs keys`: issuer keys created when first needed, rotation, directory (T1-4-2).

use crate::support::{init, vrs};

#[test]
fn t1_4_2_each_municipality_has_its_own_key_rotation_keeps_old_public_keys() {
    let dir = init();
    let first = vrs(dir.path(), &["keys", "jwks", "--municipality", "131016"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let keys = first.json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(
        (
            k["kty"].as_str(),
            k["crv"].as_str(),
            k["use"].as_str(),
            k["alg"].as_str()
        ),
        (Some("EC"), Some("P-256"), Some("sig"), Some("ES256"))
    );
    // Every key can revoke, so it declares crlVersion from its first publication: 1 is the
    // empty list, and that list is published.
    assert_eq!(k["crlVersion"], 1, "crlVersion from the first publication");
    let crl = vrs(
        dir.path(),
        &["keys", "crl", "--kid", k["kid"].as_str().unwrap()],
    );
    assert_eq!(crl.code, 0, "{}", crl.stderr);
    assert_eq!(
        (
            crl.json["ctr"].as_u64(),
            crl.json["rids"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    let again = vrs(dir.path(), &["keys", "jwks", "--municipality", "131016"]);
    assert_eq!(again.json, first.json, "the key is created once");
    let other = vrs(dir.path(), &["keys", "jwks", "--municipality", "011002"]);
    assert_ne!(
        other.json["keys"][0]["kid"], k["kid"],
        "one key per municipality"
    );

    let refused = vrs(
        dir.path(),
        &[
            "keys",
            "rotate",
            "--as",
            "municipality:131016",
            "--municipality",
            "131016",
        ],
    );
    assert_eq!(refused.code, 1);
    assert_eq!(refused.json["provisions"], serde_json::json!(["T1-4-2"]));
    let rotated = vrs(
        dir.path(),
        &[
            "keys",
            "rotate",
            "--as",
            "operator",
            "--municipality",
            "131016",
        ],
    );
    assert_eq!(rotated.code, 0, "{}", rotated.stdout);
    let keys = rotated.json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "the retired public key stays published");
    assert_eq!(keys[0]["kid"], k["kid"]);

    let directory = vrs(dir.path(), &["keys", "directory"]);
    let issuers = directory.json["issuers"].as_array().unwrap();
    let iss: Vec<&str> = issuers.iter().map(|i| i["iss"].as_str().unwrap()).collect();
    assert_eq!(
        iss,
        [
            "https://vrs.example.jp/issuer/011002",
            "https://vrs.example.jp/issuer/131016"
        ]
    );

    // The retired private key is destroyed: exactly one sealed private key per municipality remains.
    let conn_out = std::process::Command::new("sqlite3")
        .arg(dir.path().join("vrs.sqlite"))
        .arg("SELECT count(*) FROM issuer_keys WHERE sealed_private IS NOT NULL; SELECT count(*) FROM issuer_keys;")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&conn_out.stdout), "2\n3\n");
}

/// Whether `python3` with `cryptography` is here; in CI (`CI=true`) its absence fails.
fn python_cryptography() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs python3 with cryptography (.ci/run pip-installs it)"
        );
        println!("SKIPPED: python3 with cryptography not found (pip install cryptography)");
    }
    ok
}

#[test]
fn s_2_14_the_barcode_signer_request_and_the_test_certificates_are_read_by_python_cryptography() {
    let dir = init();
    let refused = vrs(
        dir.path(),
        &[
            "keys",
            "vds-signer",
            "csr",
            "--as",
            "municipality:131016",
            "--subject",
            "C=JP,CN=x",
        ],
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let bad = vrs(
        dir.path(),
        &[
            "keys",
            "vds-signer",
            "csr",
            "--as",
            "operator",
            "--subject",
            "CN=no country",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let csr = dir.path().join("signer.csr");
    let r = vrs(
        dir.path(),
        &[
            "keys",
            "vds-signer",
            "csr",
            "--as",
            "operator",
            "--subject",
            "C=JP,O=Digital Agency,CN=VRS Barcode Signer 1",
            "--out",
            &csr.display().to_string(),
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.json["request_pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
    if !python_cryptography() {
        return;
    }
    let check = std::process::Command::new("python3")
        .arg(crate::fixture("../.ci/check_vds_certs.py"))
        .arg(crate::fixture("vds/test-csca.der"))
        .arg(crate::fixture("vds/test-signer.der"))
        .arg(&csr)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn n_1_keys_jwks_creates_no_key_for_a_municipality_without_consent_to_electronic_issuance() {
    let dir = crate::support::init_without_consents();
    crate::support::grant(dir.path(), "011002", "terms-2021-03");
    let refused = vrs(dir.path(), &["keys", "jwks", "--municipality", "011002"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert_eq!(refused.json["provisions"], serde_json::json!(["N-1"]));
    let directory = vrs(dir.path(), &["keys", "directory"]);
    assert_eq!(
        directory.json["issuers"],
        serde_json::json!([]),
        "no key made"
    );
}

#[test]
fn a_kid_that_begins_with_a_hyphen_is_a_value_not_a_flag() {
    // A kid is a base64url thumbprint: one in 64 begins with '-'.
    let dir = init();
    let out = vrs(dir.path(), &["keys", "crl", "--kid", "-Cx0Yq1notakeyid"]);
    assert!(
        !out.stderr.contains("unexpected argument"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json["kid"], "-Cx0Yq1notakeyid");
}
