//! `vrs apply` and `vrs certificates list`: the documented JSON, exit codes and files.

use crate::support::{grant, init_without_consents, vrs, write_file, HEADER};

fn fixture(rel: &str) -> String {
    crate::fixture(rel)
}

#[test]
fn n_3_apply_without_consent_prints_the_exact_refusal_and_exits_1() {
    let dir = init_without_consents();
    let out = dir.path().join("out").display().to_string();
    let r = vrs(
        dir.path(),
        &[
            "apply",
            "--municipality",
            "011002",
            "--card",
            &fixture("cards/valid-yamada.json"),
            "--ca-keys",
            &fixture("cards/test-ca.json"),
            "--out",
            &out,
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.json,
        serde_json::json!({
            "issued": false,
            "refusal": {
                "grounds": ["N-3"],
                "kind": "no_consent",
                "message": "この自治体では、まだアプリでの発行を開始していません。恐れ入りますが、自治体の発行方法を確認の上、手続きをお願いします。"
            }
        })
    );
}

#[test]
fn apply_writes_the_certificate_files_and_the_history_lists_the_certificate_without_a_my_number() {
    let dir = init_without_consents();
    grant(dir.path(), "131016", "terms-2021-12-03");
    let file = write_file(
        dir.path(),
        "k.csv",
        &format!("{HEADER}131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n"),
    );
    assert_eq!(
        vrs(
            dir.path(),
            &["residents", "import", "--as", "municipality:131016", &file]
        )
        .code,
        0
    );
    let reg = vrs(
        dir.path(),
        &[
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000900001",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
        ],
    );
    assert_eq!(reg.code, 0, "{}{}", reg.stdout, reg.stderr);
    let out = dir.path().join("out");
    let out_s = out.display().to_string();
    let card = fixture("cards/valid-kokuto.json");
    let ca_keys = fixture("cards/test-ca.json");
    let apply = [
        "apply",
        "--municipality",
        "131016",
        "--card",
        &card,
        "--ca-keys",
        &ca_keys,
        "--passport-line1",
        "P<JPNKOKUTO<<MIKIYA<<<<<<<<<<<<<<<<<<<<<<<<<",
        "--passport-line2",
        "TZ12345676JPN8002170M3101012<<<<<<<<<<<<<<04",
        "--out",
        &out_s,
    ];
    // S-2-14: no barcode signer, no overseas certificate (never one without its VDS-NC).
    let r = vrs(dir.path(), &apply);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["refusal"]["grounds"], serde_json::json!(["S-2-14"]));
    assert!(!out.join("certificate.json").exists());
    let show = vrs(dir.path(), &["keys", "vds-signer", "show"]);
    assert_eq!(show.code, 2, "{}{}", show.stdout, show.stderr);
    let import = vrs(
        dir.path(),
        &[
            "keys",
            "vds-signer",
            "import",
            "--as",
            "operator",
            "--key",
            &fixture("vds/test-signer.pk8"),
            "--cert",
            &fixture("vds/test-signer.der"),
        ],
    );
    assert_eq!(import.code, 0, "{}{}", import.stdout, import.stderr);
    let show = vrs(dir.path(), &["keys", "vds-signer", "show"]);
    assert_eq!(show.code, 0, "{}{}", show.stdout, show.stderr);
    assert!(show.json["subject"]
        .as_str()
        .unwrap()
        .contains("VRS Test VDS-NC Barcode Signer"));
    assert!(show.json["csca"]
        .as_str()
        .unwrap()
        .contains("VRS Test CSCA"));
    assert_eq!(show.json["not_after"], "2035-01-01T00:00:00+00:00");
    let r = vrs(dir.path(), &apply);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["issued"], true);
    assert_eq!(r.json["issuer"], "131016");
    for f in ["json", "svg", "png", "html", "smart-health-card"] {
        let path = r.json["files"][f].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.is_empty(), "{f}");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("537686677188"),
            "{f} holds the My Number"
        );
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("certificate.json")).unwrap())
            .unwrap();
    assert_eq!(doc["holder"]["passport_number"], "TZ1234567");
    assert_eq!(doc["issuer"]["name"], "千代田区");
    assert_eq!(doc["issuer"]["name_en"], "Chiyoda City, Tokyo");
    // The SMART Health Cards file download holds exactly the card's JWS.
    let shc_file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("certificate.smart-health-card")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        shc_file,
        serde_json::json!({ "verifiableCredential": [doc["shc"]["jws"].clone()] })
    );
    let verify = vrs(
        dir.path(),
        &[
            "certificate",
            "verify",
            "--png",
            &out.join("certificate.png").display().to_string(),
        ],
    );
    assert_eq!(verify.code, 0, "{}", verify.stdout);
    assert_eq!(verify.json["iss"], "https://vrs.example.jp/issuer/131016");
    let list = vrs(
        dir.path(),
        &["certificates", "list", "--as", "municipality:131016"],
    );
    assert_eq!(list.code, 0);
    assert_eq!(list.json["count"], 1);
    assert_eq!(
        list.json["certificates"][0]["certificate_id"],
        r.json["certificate_id"]
    );
    assert!(!list.stdout.contains("537686677188"));
    let refused = vrs(dir.path(), &["certificates", "list", "--as", "national"]);
    assert_eq!(refused.code, 1);
}
