//! The operations part of the one facade suite (`both!`): signed audit heads
//! detect a copy rolled back 10 events, a rewritten event and a truncated tail
//! with nothing but the heads, on SQLite and on PostgreSQL alike. The tampering
//! is done as someone with SQL access to the database (not the keyring) would.

use std::path::Path;

use vrs::{Answer, SignedHeads, Vrs};

use crate::backends::{both, fresh_on, test_database_url, Backend};
use crate::support::file;

fn chiyoda() -> vrs::Principal {
    "municipality:131016".parse().unwrap()
}

/// `n` events in 千代田区's chain.
fn counts(vrs: &mut Vrs, n: usize) {
    for _ in 0..n {
        let Answer::Done(_) = vrs.count_residents(chiyoda(), None).unwrap() else {
            panic!("count refused")
        };
    }
}

/// A data dir with residents in two municipalities and events in their chains.
fn populated(backend: Backend) -> Option<(tempfile::TempDir, Vrs)> {
    let (dir, mut vrs) = fresh_on(backend)?;
    for m in ["131016", "131041"] {
        crate::support::consent(&mut vrs, m, vrs::consent::DocumentId::Terms20211203);
    }
    let shinjuku = "municipality:131041".parse().unwrap();
    let Answer::Done(_) = vrs
        .import_residents(chiyoda(), file("131016", 3).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    let Answer::Done(_) = vrs
        .import_residents(shinjuku, file("131041", 2).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    counts(&mut vrs, 2);
    Some((dir, vrs))
}

/// The schema a PostgreSQL data dir names.
pub(crate) fn schema_of(data: &Path) -> String {
    let url = std::fs::read_to_string(data.join("database.url")).unwrap();
    let query = url.trim().split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("schema="))
        .unwrap()
        .to_owned()
}

/// Runs SQL on the database of `dir` as its owner would, with the audit log's
/// append-only guard lifted (SQLite: its triggers dropped; PostgreSQL: its
/// trigger disabled, in the national scope row-level security requires).
fn tamper(backend: Backend, dir: &Path, sql: &str) {
    let data = dir.join("data");
    match backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(data.join(vrs::DB_FILE)).unwrap();
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS audit_log_no_update;
                 DROP TRIGGER IF EXISTS audit_log_no_delete;
                 {sql}"
            ))
            .unwrap();
        }
        Backend::Postgres => {
            let base = test_database_url().unwrap();
            let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
            let schema = schema_of(&data);
            let sql = sql.replace("zeroblob(32)", "decode(repeat('00', 32), 'hex')");
            c.batch_execute(&format!(
                "SET search_path = {schema};
                 BEGIN;
                 SELECT set_config('app.scope', 'national', true);
                 ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                 {sql};
                 ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                 COMMIT;"
            ))
            .unwrap();
        }
    }
}

#[track_caller]
fn only_problem(vrs: &Vrs, heads: &SignedHeads, chain: &str, words: &str) -> Option<i64> {
    let report = vrs.audit_verify_heads(heads).unwrap();
    assert!(!report.valid, "{report:?}");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].chain, chain, "{report:?}");
    assert!(report.problems[0].reason.contains(words), "{report:?}");
    report.problems[0].seq
}

both!(
    untouched_heads_verify_and_later_events_do_not_disturb_them,
    a_copy_rolled_back_10_events_is_detected_with_only_the_heads,
    a_rewritten_event_is_detected_with_only_the_heads,
    a_truncated_tail_is_detected_with_only_the_heads,
);

fn untouched_heads_verify_and_later_events_do_not_disturb_them(backend: Backend) {
    let Some((_dir, mut vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    let chains: Vec<&str> = heads.heads.iter().map(|h| h.chain.as_str()).collect();
    assert_eq!(chains, ["operator", "131016", "131041"]);
    counts(&mut vrs, 3);
    let report = vrs.audit_verify_heads(&heads).unwrap();
    assert!(report.valid, "{report:?}");
    assert_eq!(report.heads, 3);
    // Heads of another instance (another audit key) are refused.
    let (_other_dir, other) = populated(backend).unwrap();
    let foreign = other.audit_heads().unwrap();
    let report = vrs.audit_verify_heads(&foreign).unwrap();
    assert!(!report.valid);
    assert!(report.problems[0].reason.contains("published audit key"));
}

fn a_copy_rolled_back_10_events_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, mut vrs)) = populated(backend) else {
        return;
    };
    // The earlier state: every event up to `last` and the heads as they were.
    let last = vrs.audit_search(None, None, None, 1).unwrap()[0].seq;
    tamper(
        backend,
        dir.path(),
        "CREATE TABLE saved_heads AS SELECT * FROM audit_heads",
    );
    counts(&mut vrs, 10);
    let heads = vrs.audit_heads().unwrap();
    // The whole database put back to that state: internally consistent, so the
    // keyed check passes, but 10 events behind the heads.
    tamper(
        backend,
        dir.path(),
        &format!(
            "DELETE FROM audit_log WHERE seq > {last};
             DELETE FROM audit_heads;
             INSERT INTO audit_heads SELECT * FROM saved_heads;
             DROP TABLE saved_heads"
        ),
    );
    assert!(vrs.audit_verify().unwrap().valid, "the copy is consistent");
    let seq = only_problem(&vrs, &heads, "131016", "rolled back");
    let head = heads.heads.iter().find(|h| h.chain == "131016").unwrap();
    assert_eq!(seq, Some(head.seq));
}

fn a_rewritten_event_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    let import = vrs
        .audit_search(None, Some("import_residents"), None, 1)
        .unwrap()[0]
        .seq;
    // The stored hash is overwritten too: the heads check recomputes every
    // hash from the fields, so that does not help.
    tamper(
        backend,
        dir.path(),
        &format!(
            "UPDATE audit_log SET detail = '{{\"imported\":1}}', hash = zeroblob(32)
             WHERE seq = {import}"
        ),
    );
    only_problem(&vrs, &heads, "131041", "rewritten");
}

fn a_truncated_tail_is_detected_with_only_the_heads(backend: Backend) {
    let Some((dir, vrs)) = populated(backend) else {
        return;
    };
    let heads = vrs.audit_heads().unwrap();
    // Cut 千代田区's chain after its first event and point its head row at
    // what is left, as someone with SQL access but not the heads would.
    tamper(
        backend,
        dir.path(),
        "DELETE FROM audit_log WHERE chain = 131016 AND chain_seq > 1;
         UPDATE audit_heads SET chain_seq = 1,
             seq = (SELECT seq FROM audit_log WHERE chain = 131016 AND chain_seq = 1),
             hash = (SELECT hash FROM audit_log WHERE chain = 131016 AND chain_seq = 1)
         WHERE chain = 131016",
    );
    only_problem(&vrs, &heads, "131016", "cut-off");
}
