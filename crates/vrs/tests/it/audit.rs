//! S-3-3: the audit log is append-only and tamper-evident.

use vrs::Answer;

use crate::support::{file, fresh};

#[test]
fn every_use_case_is_audited_in_order_and_the_chain_verifies() {
    let (_dir, mut vrs) = fresh();
    let a = "municipality:131016".parse().unwrap();
    vrs.import_residents(a, file("131016", 3).as_bytes(), None, false)
        .unwrap();
    let Answer::Done(3) = vrs.count_residents(a, None).unwrap() else {
        panic!()
    };
    let events = vrs.audit_search(None, None, None, 100).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "init",
            "grant_consent",
            "grant_consent",
            "grant_consent",
            "import_residents",
            "count_residents"
        ]
    );
    assert_eq!(events[4].grounds, ["T1-2-3", "T1-4-3"]);
    assert_eq!(events[4].detail["imported"], 3);
    let report = vrs.audit_verify().unwrap();
    assert_eq!(
        (report.valid, report.events, report.first_bad_seq),
        (true, 6, None)
    );
}

#[test]
fn the_audit_table_refuses_updates_and_deletes() {
    let (dir, vrs) = fresh();
    drop(vrs);
    let conn = rusqlite::Connection::open(dir.path().join(vrs::DB_FILE)).unwrap();
    assert!(conn
        .execute("UPDATE audit_log SET action = 'x'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM audit_log", []).is_err());
}

#[test]
fn a_backup_verifies_and_a_tampered_backup_does_not() {
    let (dir, mut vrs) = fresh();
    let a = "municipality:131016".parse().unwrap();
    vrs.import_residents(a, file("131016", 3).as_bytes(), None, false)
        .unwrap();
    let to = dir.path().join("b.sqlite");
    let report = vrs.backup(&to, false).unwrap();
    assert_eq!(report.audit_events, 6);
    assert!(vrs.verify_backup(&to).unwrap().valid);
    let conn = rusqlite::Connection::open(&to).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET principal = 'operator' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let v = vrs.verify_backup(&to).unwrap();
    assert!(!v.valid);
    assert_eq!(v.audit.first_bad_seq, Some(2));
}

#[test]
fn s_3_3_a_municipality_searches_its_own_audit_log_only_and_the_search_is_audited() {
    let (_dir, mut vrs) = fresh();
    let chiyoda: vrs::Principal = "municipality:131016".parse().unwrap();
    let sapporo: vrs::Principal = "municipality:011002".parse().unwrap();
    vrs.count_residents(chiyoda, None).unwrap();
    vrs.count_residents(sapporo, None).unwrap();
    vrs.count_residents(chiyoda, None).unwrap();
    let Answer::Done(events) = vrs.search_own_audit(chiyoda, None, 100).unwrap() else {
        panic!("refused")
    };
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e.municipality.as_deref() == Some("131016")),
        "another area's event: {events:?}"
    );
    let Answer::Done(counts) = vrs
        .search_own_audit(chiyoda, Some("count_residents"), 1)
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(counts.len(), 1, "the limit holds");
    assert_eq!(counts[0].action, "count_residents");
    // The searches themselves are in the area's log.
    let searches = vrs
        .audit_search(None, Some("search_audit"), None, 10)
        .unwrap();
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[0].municipality.as_deref(), Some("131016"));
    // Nobody searches the whole system through it.
    let Answer::Refused(r) = vrs
        .search_own_audit(vrs::Principal::Operator, None, 10)
        .unwrap()
    else {
        panic!("the operator searched every area")
    };
    assert_eq!(r.provisions(), ["S-3-3"]);
    assert!(vrs.audit_verify().unwrap().valid);
}
