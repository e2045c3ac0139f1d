//! M-13, end of contract: erasing one municipality destroys its data key, so a
//! backup made before the erasure can no longer be read for it, while every
//! other municipality's data in that backup still can.

use vrs::{Answer, Lookup, Vrs};

use crate::support::{clock, file, fresh, my_number};

fn principal(s: &str) -> vrs::Principal {
    s.parse().unwrap()
}

fn by_address(a: &str) -> Lookup {
    Lookup::AddressNumber(a.parse().unwrap())
}

#[test]
fn m_13_erase_131016_then_a_backup_from_before_opens_for_131041_but_not_for_131016() {
    let (dir, mut vrs) = fresh();
    let (chiyoda, shinjuku) = (
        principal("municipality:131016"),
        principal("municipality:131041"),
    );
    vrs.import_residents(chiyoda, file("131016", 3).as_bytes(), None, false)
        .unwrap();
    vrs.import_residents(shinjuku, file("131041", 2).as_bytes(), None, false)
        .unwrap();
    let backup = dir.path().join("before-erasure.sqlite");
    vrs.backup(&backup, false).unwrap();

    let code = "131016".parse().unwrap();
    // Nobody but the operator erases (M-13), and a refusal changes nothing.
    let Answer::Refused(r) = vrs.erase_municipality(chiyoda, code).unwrap() else {
        panic!("a municipality erased itself")
    };
    assert_eq!(r.provisions(), ["M-13"]);
    let Answer::Done(report) = vrs.erase_municipality(principal("operator"), code).unwrap() else {
        panic!("the operator's erasure was refused")
    };
    assert_eq!(
        (report.residents, report.key_destroyed, report.doses),
        (3, true, 0)
    );
    assert!(report.audit_events_kept >= 3, "{report:?}");

    // The live instance: 131016's residents are gone, 131041's are not, and
    // the audit trail (with 131016's chain) still verifies.
    let Answer::Done(None) = vrs.find_resident(chiyoda, None, &by_address("A1")).unwrap() else {
        panic!("131016's resident survived the erasure")
    };
    let Answer::Done(Some(_)) = vrs
        .find_resident(shinjuku, None, &by_address("A1"))
        .unwrap()
    else {
        panic!("131041's resident was erased")
    };
    assert!(vrs.audit_verify().unwrap().valid);
    let erasures = vrs
        .audit_search(None, Some("erase_municipality"), None, 10)
        .unwrap();
    assert_eq!(
        erasures
            .iter()
            .map(|e| e.outcome.as_str())
            .collect::<Vec<_>>(),
        ["refused", "allowed"]
    );
    drop(vrs);

    // The backup from before the erasure, restored with today's keyring.
    let restored = tempfile::tempdir().unwrap();
    let keyring = dir.path().join(vrs::KEYRING_FILE);
    let mut old = Vrs::restore(restored.path(), &backup, &keyring, Box::new(clock())).unwrap();
    let err = old
        .find_resident(chiyoda, None, &by_address("A1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no data key"), "{err}");
    assert!(!err.contains(&my_number(1 + 131_016_000)), "{err}");
    let Answer::Done(Some(r)) = old
        .find_resident(shinjuku, None, &by_address("A1"))
        .unwrap()
    else {
        panic!("131041's resident no longer opens")
    };
    assert_eq!(r.my_number.expose(), my_number(1 + 131_041_000));
    // A lookup by My Number cannot even find 131016's person: the blind index
    // key went with the data key.
    let n = my_number(2 + 131_016_000).parse().unwrap();
    let Answer::Done(None) = old
        .find_resident(chiyoda, None, &Lookup::MyNumber(n))
        .unwrap()
    else {
        panic!("a destroyed index key still finds the person")
    };
}

#[test]
fn m_13_erasure_deletes_doses_and_their_history_through_the_one_guarded_path() {
    let (dir, mut vrs) = fresh();
    let chiyoda = principal("municipality:131016");
    vrs.import_residents(chiyoda, file("131016", 2).as_bytes(), None, false)
        .unwrap();
    drop(vrs);
    // Outside an erasure the append-only triggers still refuse.
    let conn = rusqlite::Connection::open(dir.path().join(vrs::DB_FILE)).unwrap();
    conn.execute(
        "INSERT INTO erasures (municipality, state, at, audit_seq) VALUES (131041, 'erased', 'x', 0)",
        [],
    )
    .unwrap();
    conn.execute_batch(
        "INSERT INTO doses (municipality, address_number, ticket_number, ticket_kind, ticket_dose_count,
             dose_number, date, product, lot, vaccinating_municipality, age, registered_at, registered_by,
             on_behalf, status, confirmed, version, changed_at, changed_by, change)
         VALUES (131041, 'A1', 1, 1, 1, 1, '2021-06-01', 'x', 'L1', 131041, 41, 't', 'x', 0, 'active', 0, 1, 't', 'x', 'registered');",
    )
    .unwrap();
    assert!(
        conn.execute("DELETE FROM doses", []).is_err(),
        "a finished erasure opens nothing"
    );
    drop(conn);
    let mut vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    let Answer::Done(report) = vrs
        .erase_municipality(principal("operator"), "131041".parse().unwrap())
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(report.doses, 1);
    let Answer::Done(Some(_)) = vrs.find_resident(chiyoda, None, &by_address("A1")).unwrap() else {
        panic!("131016 was touched")
    };
}

#[test]
fn the_resident_count_follows_every_import_and_an_erasure_in_their_own_transactions() {
    let (dir, mut vrs) = fresh();
    let (chiyoda, shinjuku) = (
        principal("municipality:131016"),
        principal("municipality:131041"),
    );
    let count = |vrs: &mut Vrs, who| match vrs.count_residents(who, None).unwrap() {
        Answer::Done(n) => n,
        Answer::Refused(r) => panic!("{r:?}"),
    };
    assert_eq!(count(&mut vrs, chiyoda), 0, "none yet");
    vrs.import_residents(chiyoda, file("131016", 3).as_bytes(), None, false)
        .unwrap();
    assert_eq!(count(&mut vrs, chiyoda), 3);
    // Again with two more: three unchanged, two new.
    vrs.import_residents(chiyoda, file("131016", 5).as_bytes(), None, false)
        .unwrap();
    assert_eq!(count(&mut vrs, chiyoda), 5);
    // A dry run and a file with a bad row change nothing.
    vrs.import_residents(chiyoda, file("131016", 9).as_bytes(), None, true)
        .unwrap();
    let bad = format!("{}131016,A99,123,1,x,x,x,x\n", file("131016", 8));
    vrs.import_residents(chiyoda, bad.as_bytes(), None, false)
        .unwrap();
    assert_eq!(
        count(&mut vrs, chiyoda),
        5,
        "nothing of a refused file counts"
    );
    vrs.import_residents(shinjuku, file("131041", 2).as_bytes(), None, false)
        .unwrap();
    assert_eq!(count(&mut vrs, shinjuku), 2);
    let Answer::Done(_) = vrs
        .erase_municipality(principal("operator"), "131016".parse().unwrap())
        .unwrap()
    else {
        panic!("the operator's erasure was refused")
    };
    assert_eq!(count(&mut vrs, shinjuku), 2, "another area untouched");
    drop(vrs);
    // Each kept count is the residents actually held.
    let conn = rusqlite::Connection::open(dir.path().join(vrs::DB_FILE)).unwrap();
    let kept: Vec<(i64, i64, i64)> = conn
        .prepare(
            "SELECT c.municipality, c.n, (SELECT count(*) FROM residents r
                 WHERE r.municipality = c.municipality) FROM resident_counts c ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kept, [(131041, 2, 2)]);
}
