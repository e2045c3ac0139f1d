//! `vrs residents ...`, `vrs municipality show`, `vrs init`: JSON contracts and exit codes.

use crate::support::{init, vrs, write_file, HEADER};

const ROWS: &str = "131016,A1,123456789018,0000000001,黒桐　幹也,ｺｸﾄｳ ﾐｷﾔ,S55.2.17,1\n\
                    131016,A2,537686677188,0000000002,両儀　式,リョウギ　シキ,1980-01-25,2\n";

#[test]
fn init_creates_a_0600_keyring_and_is_idempotent() {
    let dir = init();
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.path().join("keyring.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600);
    let again = vrs(dir.path(), &["init"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json["created_keyring"], false);
    // A new issuer base URL on a live data dir needs --force (re_init_...).
    let again = vrs(
        dir.path(),
        &[
            "init",
            "--issuer-base-url",
            "https://vrs.city.example/issuer",
            "--force",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json["created_keyring"], false);
    assert_eq!(
        again.json["issuer_base_url"],
        "https://vrs.city.example/issuer"
    );
}

#[test]
fn import_show_and_count_print_the_documented_json() {
    let dir = init();
    let file = write_file(dir.path(), "r.csv", &format!("{HEADER}{ROWS}"));
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["imported"], 2);
    assert_eq!(r.json["updated"], 0);
    assert_eq!(r.json["errors"], serde_json::json!([]));

    for by in [
        ["--address-number", "A1"],
        ["--ticket-number", "0000000001"],
        ["--my-number", "123456789018"],
    ] {
        let r = vrs(
            dir.path(),
            &[
                "residents",
                "show",
                "--as",
                "municipality:131016",
                by[0],
                by[1],
            ],
        );
        assert_eq!(r.code, 0, "{by:?}: {}", r.stderr);
        assert_eq!(
            r.json,
            serde_json::json!({
                "municipality_code": "131016",
                "address_number": "A1",
                "ticket_number": "0000000001",
                "name": "黒桐　幹也",
                "name_kana": "コクトウ　ミキヤ",
                "birth_date": "1980-02-17",
                "sex": "male",
                "my_number": "************",
            }),
            "{by:?}"
        );
        assert!(!r.stdout.contains("123456789018") && !r.stderr.contains("123456789018"));
    }
    let r = vrs(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
    );
    assert_eq!(
        (r.code, r.json.clone()),
        (0, serde_json::json!({ "count": 2 }))
    );
}

#[test]
fn a_bad_file_exits_2_with_every_bad_row_and_imports_nothing() {
    let dir = init();
    let bad = format!("{HEADER}{ROWS}131016,A3,123456789010,0000000003,山田 太郎,ヤマダ タロウ,平成元年1月7日,1\n");
    let file = write_file(dir.path(), "bad.csv", &bad);
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json["imported"], 0);
    let errors = r.json["errors"].as_array().unwrap();
    let cells: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(cells, [(4, "my_number"), (4, "birth_date")]);
    assert!(!r.stdout.contains("123456789010"));
    let count = vrs(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
    );
    assert_eq!(count.json["count"], 0);
}

#[test]
fn refusals_exit_1_and_cite_the_provision() {
    let dir = init();
    for (who, extra, provisions) in [
        (
            "municipality:011002",
            Some("131016"),
            vec!["T1-4-3", "S-1-3-2"],
        ),
        ("national", Some("131016"), vec!["T1-4-6"]),
        ("prefecture:13", Some("131016"), vec!["T1-4-6"]),
        ("site:131016", None, vec!["T1-4-3"]),
    ] {
        let mut args = vec!["residents", "count", "--as", who];
        if let Some(m) = extra {
            args.extend(["--municipality", m]);
        }
        let r = vrs(dir.path(), &args);
        assert_eq!(r.code, 1, "{who}: {}", r.stdout);
        assert_eq!(r.json["refused"], true, "{who}");
        assert_eq!(r.json["provisions"], serde_json::json!(provisions), "{who}");
    }
}

#[test]
fn bad_flags_exit_2_and_name_the_flag() {
    let dir = init();
    for (args, flag) in [
        (vec!["residents", "count", "--as", "city:131016"], "--as"),
        (
            vec![
                "residents",
                "show",
                "--as",
                "municipality:131016",
                "--my-number",
                "123456789010",
            ],
            "--my-number",
        ),
        (
            vec![
                "residents",
                "show",
                "--as",
                "municipality:131016",
                "--ticket-number",
                "12",
            ],
            "--ticket-number",
        ),
    ] {
        let r = vrs(dir.path(), &args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains(flag), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("123456789010"), "{}", r.stderr);
    }
}

#[test]
fn an_uninitialised_data_dir_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let r = vrs(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("vrs init"), "{}", r.stderr);
}

#[test]
fn municipality_show_gives_the_registry_row() {
    let dir = tempfile::tempdir().unwrap();
    let r = vrs(dir.path(), &["municipality", "show", "011002"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json["name"], "札幌市");
    assert_eq!(r.json["name_kana"], "さっぽろし");
    assert_eq!(r.json["kind"], "municipality");
    assert_eq!(r.json["prefecture_code"], "01");
    assert_eq!(vrs(dir.path(), &["municipality", "show", "011003"]).code, 2);
}
