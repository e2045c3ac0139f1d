//! `vrs card verify`.

use serde_json::json;

use crate::{fixture, vrs};

#[test]
fn a_valid_card_prints_the_holder_with_a_masked_my_number() {
    let (code, out) = vrs(&[
        "card",
        "verify",
        &fixture("cards/valid-kokuto-live.json"),
        "--ca-keys",
        &fixture("cards/test-ca.json"),
        "--require-liveness",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        json!({
            "valid": true,
            "liveness": true,
            "holder": {
                "name": "黒桐\u{3000}幹也",
                "address": "東京都清瀬市観布子南１２－７－２０２",
                "birth_date": "1980-02-17",
                "sex": "male",
                "my_number": "************",
            }
        })
    );
}

#[test]
fn every_tampered_fixture_exits_1_with_its_kind() {
    let index: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("cards/index.json")).unwrap())
            .unwrap();
    for e in index {
        let file = e["file"].as_str().unwrap();
        let expect = e["expect"].as_str().unwrap();
        let (code, out) = vrs(&[
            "card",
            "verify",
            &fixture(&format!("cards/{file}")),
            "--ca-keys",
            &fixture("cards/test-ca.json"),
        ]);
        if expect == "valid" {
            assert_eq!(
                (code, &out["valid"]),
                (0, &json!(true)),
                "file {file}: {out}"
            );
            assert_eq!(out["liveness"], e["liveness"], "file {file}");
        } else {
            assert_eq!(code, 1, "file {file}: {out}");
            assert_eq!(out["valid"], json!(false), "file {file}");
            assert_eq!(out["error"]["kind"], json!(expect), "file {file}: {out}");
            assert!(out["error"]["detail"].is_string(), "file {file}");
            assert!(!out.to_string().contains("537686677188"), "file {file}");
        }
    }
}

#[test]
fn without_the_test_ca_the_card_is_from_an_unknown_ca_and_liveness_can_be_demanded() {
    let (code, out) = vrs(&["card", "verify", &fixture("cards/valid-kokuto.json")]);
    assert_eq!(
        (code, &out["error"]["kind"]),
        (1, &json!("unknown_ca")),
        "{out}"
    );
    let (code, out) = vrs(&[
        "card",
        "verify",
        &fixture("cards/valid-kokuto.json"),
        "--ca-keys",
        &fixture("cards/test-ca.json"),
        "--require-liveness",
    ]);
    assert_eq!(
        (code, &out["error"]["kind"]),
        (1, &json!("bad_liveness")),
        "{out}"
    );
}

#[test]
fn unreadable_inputs_exit_2() {
    for args in [
        vec!["card", "verify", "/nonexistent/dump.json"],
        vec!["card", "verify", &fixture("cards/index.json")],
        vec![
            "card",
            "verify",
            &fixture("cards/valid-kokuto.json"),
            "--ca-keys",
            &fixture("cards/index.json"),
        ],
    ] {
        let (code, _) = vrs(&args);
        assert_eq!(code, 2, "args {args:?}");
    }
}
