//! `vrs audit verify` against tampering with the sqlite3 tool, and `vrs backup`.

use std::process::Command;

use crate::support::{init, vrs, write_file, HEADER};

fn sqlite3(db: &std::path::Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 tool must be installed (apt-get install sqlite3)");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A data dir with eight audit events: init, two consents, import, three reads, a refusal.
fn populated() -> tempfile::TempDir {
    let dir = init();
    let file = write_file(
        dir.path(),
        "r.csv",
        &format!(
            "{HEADER}131016,A1,123456789018,0000000001,山田 太郎,ヤマダ タロウ,1980-02-17,1\n"
        ),
    );
    assert_eq!(
        vrs(
            dir.path(),
            &["residents", "import", "--as", "municipality:131016", &file]
        )
        .code,
        0
    );
    for _ in 0..3 {
        vrs(
            dir.path(),
            &["residents", "count", "--as", "municipality:131016"],
        );
    }
    vrs(
        dir.path(),
        &[
            "residents",
            "count",
            "--as",
            "national",
            "--municipality",
            "131016",
        ],
    );
    let r = vrs(dir.path(), &["audit", "verify"]);
    assert_eq!(
        r.json,
        serde_json::json!({"valid": true, "events": 8, "first_bad_seq": null, "chains": 3})
    );
    dir
}

#[test]
fn changing_any_audit_row_with_sqlite3_fails_verify_at_that_row() {
    for (seq, set) in [
        (1, "principal = 'municipality:131016'"),
        (5, "detail = '{\"count\":99}'"),
        (8, "outcome = 'allowed'"),
        (4, "at = '2020-01-01T00:00:00+09:00'"),
    ] {
        let dir = populated();
        let db = dir.path().join("vrs.sqlite");
        sqlite3(
            &db,
            &format!(
                "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET {set} WHERE seq = {seq};"
            ),
        );
        let r = vrs(dir.path(), &["audit", "verify"]);
        assert_eq!(r.code, 1, "seq {seq}");
        assert_eq!(r.json["valid"], false, "seq {seq}");
        assert_eq!(r.json["first_bad_seq"], seq, "seq {seq}");
    }
}

#[test]
fn deleting_any_audit_row_with_sqlite3_fails_verify_at_that_row() {
    for seq in [1, 2, 4, 8] {
        let dir = populated();
        let db = dir.path().join("vrs.sqlite");
        sqlite3(
            &db,
            &format!("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = {seq};"),
        );
        let r = vrs(dir.path(), &["audit", "verify"]);
        assert_eq!(r.code, 1, "seq {seq}");
        assert_eq!(r.json["first_bad_seq"], seq, "seq {seq}");
    }
}

#[test]
fn rewriting_the_chain_without_the_keyring_is_detected() {
    // An attacker who recomputes plain SHA-256 links still cannot forge the
    // HMAC under the keyring's audit key: copying a later link back fails too.
    let dir = populated();
    let db = dir.path().join("vrs.sqlite");
    sqlite3(
        &db,
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET mac = (SELECT mac FROM audit_log WHERE seq = 3) WHERE seq = 2;",
    );
    let r = vrs(dir.path(), &["audit", "verify"]);
    assert_eq!(r.json["first_bad_seq"], 2);
}

#[test]
fn backup_copies_while_in_use_and_verify_checks_it() {
    let dir = populated();
    let to = dir.path().join("copy.sqlite");
    let to_s = to.display().to_string();
    let r = vrs(dir.path(), &["backup", "--to", &to_s]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["audit_events"], 9);
    let v = vrs(dir.path(), &["backup", "verify", &to_s]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert_eq!(v.json["valid"], true);
    assert_eq!(v.json["integrity"], "ok");
    assert_eq!(
        vrs(dir.path(), &["backup", "--to", &to_s]).code,
        2,
        "must not overwrite"
    );
    sqlite3(
        &to,
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 9;",
    );
    let v = vrs(dir.path(), &["backup", "verify", &to_s]);
    assert_eq!(v.code, 1);
    assert_eq!(v.json["audit"]["first_bad_seq"], 9);
}

#[test]
fn the_demo_runs_on_a_fresh_directory_and_its_audit_chain_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(["demo", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("T1-4-6"), "{stdout}");
    assert!(stdout.contains("valid = true"), "{stdout}");
    let r = vrs(&dir, &["audit", "verify"]);
    assert_eq!(r.json["valid"], true);
}

#[test]
fn audit_heads_then_verify_heads_exits_0_then_1_after_a_rollback_and_2_on_a_bad_file() {
    let dir = populated();
    let d = dir.path();
    let heads = vrs(d, &["audit", "heads"]);
    assert_eq!(heads.code, 0, "{}", heads.stderr);
    assert_eq!(heads.json["format"], "vrs-audit-heads-1");
    assert_eq!(heads.json["public_key"]["crv"], "P-256");
    let file = write_file(d, "heads.json", &heads.json.to_string());
    let ok = vrs(d, &["audit", "verify", "--heads", &file]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(ok.json["valid"], true);
    assert_eq!(ok.json["events"], 8);
    assert_eq!(ok.json["heads"]["valid"], true);
    // Cut the last event off 千代田区's chain and move its head row back: the
    // keyed check sees the head row's MAC fail, the heads see the chain short.
    sqlite3(
        &d.join("vrs.sqlite"),
        "DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log WHERE chain = 131016);",
    );
    let bad = vrs(d, &["audit", "verify", "--heads", &file]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert_eq!(bad.json["valid"], false);
    assert_eq!(bad.json["heads"]["problems"][0]["chain"], "131016");
    let junk = write_file(d, "junk.json", "{\"format\": 1}");
    let r = vrs(d, &["audit", "verify", "--heads", &junk]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--heads"), "{}", r.stderr);
}
