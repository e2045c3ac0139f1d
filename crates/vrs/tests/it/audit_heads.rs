//! Audit an outsider can check (issue 12 part 4): per-municipality chains and
//! signed heads. Each tamper is detected with nothing but heads signed earlier.

use std::path::Path;

use vrs::{Answer, SignedHeads, Vrs};

use crate::support::{clock, file, fresh};

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

/// A data dir with residents in two municipalities and events in four chains
/// (the operator's, and the three municipalities that consented).
fn populated() -> (tempfile::TempDir, Vrs) {
    let (dir, mut vrs) = fresh();
    vrs.import_residents(chiyoda(), file("131016", 3).as_bytes(), None, false)
        .unwrap();
    let shinjuku = "municipality:131041".parse().unwrap();
    vrs.import_residents(shinjuku, file("131041", 2).as_bytes(), None, false)
        .unwrap();
    counts(&mut vrs, 2);
    (dir, vrs)
}

fn sql(dir: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(dir.join(vrs::DB_FILE)).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[track_caller]
fn check(dir: &Path, heads: &SignedHeads) -> vrs::HeadsReport {
    let vrs = Vrs::open(dir, Box::new(clock())).unwrap();
    vrs.audit_verify_heads(heads).unwrap()
}

#[test]
fn an_untouched_database_passes_its_signed_heads_and_later_ones() {
    let (dir, mut vrs) = populated();
    let heads = vrs.audit_heads().unwrap();
    let chains: Vec<&str> = heads.heads.iter().map(|h| h.chain.as_str()).collect();
    assert_eq!(chains, ["operator", "011002", "131016", "131041"]);
    assert_eq!(vrs.audit_verify().unwrap().chains, 4);
    // Events written after the heads do not disturb them.
    counts(&mut vrs, 3);
    drop(vrs);
    let report = check(dir.path(), &heads);
    assert!(report.valid, "{report:?}");
    assert_eq!(report.heads, 4);
}

#[test]
fn a_copy_rolled_back_10_events_is_detected_with_only_the_heads() {
    let (dir, mut vrs) = populated();
    let copy = dir.path().join("earlier.sqlite");
    vrs.backup(&copy, false).unwrap();
    counts(&mut vrs, 10);
    let heads = vrs.audit_heads().unwrap();
    drop(vrs);
    // The whole database replaced by the earlier copy: internally consistent,
    // so the keyed check passes, but it is 10 events behind the heads.
    let db = dir.path().join(vrs::DB_FILE);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&copy, &db).unwrap();
    let vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    assert!(vrs.audit_verify().unwrap().valid, "the copy is consistent");
    let report = vrs.audit_verify_heads(&heads).unwrap();
    assert!(!report.valid);
    let chiyoda: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.chain == "131016")
        .collect();
    assert_eq!(chiyoda.len(), 1, "{report:?}");
    assert!(chiyoda[0].reason.contains("rolled back"), "{report:?}");
    let head = heads.heads.iter().find(|h| h.chain == "131016").unwrap();
    assert_eq!(chiyoda[0].seq, Some(head.seq));
    assert!(report.problems.iter().all(|p| p.chain == "131016"));
}

#[test]
fn a_rewritten_event_is_detected_with_only_the_heads_even_with_its_hash_rewritten() {
    let (dir, vrs) = populated();
    let heads = vrs.audit_heads().unwrap();
    let import = vrs
        .audit_search(None, Some("import_residents"), None, 1)
        .unwrap()[0]
        .seq;
    drop(vrs);
    // The attacker also overwrites the stored hash and the head row: the heads
    // check recomputes every hash from the fields, so that does not help.
    sql(
        dir.path(),
        &format!(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET detail = '{{\"imported\":1}}', hash = zeroblob(32) WHERE seq = {import};"
        ),
    );
    let report = check(dir.path(), &heads);
    assert!(!report.valid);
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].chain, "131041");
    assert!(
        report.problems[0].reason.contains("rewritten"),
        "{report:?}"
    );
}

#[test]
fn a_truncated_tail_is_detected_with_only_the_heads_even_with_the_head_row_moved_back() {
    let (dir, vrs) = populated();
    let heads = vrs.audit_heads().unwrap();
    drop(vrs);
    // Cut the last two events of 千代田区's chain and point its head row at
    // what is left, as someone with SQL access but not the heads would.
    sql(
        dir.path(),
        "DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_log WHERE chain = 131016 AND chain_seq > 1;
         UPDATE audit_heads SET chain_seq = 1,
             seq = (SELECT seq FROM audit_log WHERE chain = 131016 AND chain_seq = 1),
             hash = (SELECT hash FROM audit_log WHERE chain = 131016 AND chain_seq = 1)
         WHERE chain = 131016;",
    );
    let report = check(dir.path(), &heads);
    assert!(!report.valid);
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].chain, "131016");
    assert!(report.problems[0].reason.contains("cut-off"), "{report:?}");
}

#[test]
fn heads_signed_with_another_key_or_altered_are_refused() {
    let (_dir, vrs) = populated();
    let heads = vrs.audit_heads().unwrap();
    let (_other_dir, other) = populated();
    let foreign = other.audit_heads().unwrap();
    let report = vrs.audit_verify_heads(&foreign).unwrap();
    assert!(!report.valid);
    assert!(report.problems[0].reason.contains("published audit key"));
    // The right key, but a head's count lowered after signing.
    let mut altered = heads.clone();
    altered.heads[1].events -= 1;
    let report = vrs.audit_verify_heads(&altered).unwrap();
    assert!(!report.valid);
    assert_eq!(report.problems[0].reason, "bad signature");
    assert!(vrs.audit_verify_heads(&heads).unwrap().valid);
}
