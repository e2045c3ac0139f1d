//! The migrations applied in order: every version upgrades the one before it.

use rusqlite::Connection;

use super::MIGRATIONS;

/// A database at `version`, with foreign keys enforced as the store does.
fn at_version(version: i64) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    for (_, _, sql) in MIGRATIONS.iter().filter(|m| m.0 <= version) {
        conn.execute_batch(sql).unwrap();
    }
    conn
}

#[test]
fn migration_11_keeps_every_issuance_and_its_doses_and_lets_the_history_say_counter() {
    let conn = at_version(10);
    conn.execute_batch(
        "INSERT INTO issuer_keys (kid, municipality, public_jwk, sealed_private, created_at, audit_seq)
             VALUES ('k1', 131016, '{}', x'00', '2022-01-10', 1);
         INSERT INTO doses (id, municipality, address_number, ticket_number, ticket_kind,
             ticket_dose_count, dose_number, date, product, lot, vaccinating_municipality, age,
             registered_at, registered_by, on_behalf, status, confirmed, version, changed_at,
             changed_by, change)
             VALUES (7, 131016, 'A1', 1, 1, 1, 1, '2021-06-01', 'comirnaty', 'FA5765', 131016,
             41, '2021-06-01', 'site:131016', 0, 'active', 0, 1, '2021-06-01', 'site:131016',
             'registered');
         INSERT INTO issuances (certificate_id, municipality, kind, name, birth_date, origin,
             with_holders_card, kid, rid, issued_at, audit_seq)
             VALUES ('c1', 131016, 'domestic', '山田 太郎', '1980-02-17', 'individual', 1, 'k1',
             'r1', '2022-01-10', 2);
         INSERT INTO issuance_doses (certificate_id, dose_id) VALUES ('c1', 7);",
    )
    .unwrap();
    let counter = "INSERT INTO issuances (certificate_id, municipality, kind, name, birth_date,
             origin, with_holders_card, kid, rid, issued_at, audit_seq)
             VALUES ('c2', 131016, 'domestic', '山田 花子', '1980-02-17', 'counter', 0, 'k1',
             'r2', '2022-01-11', 3)";
    assert!(
        conn.execute(counter, []).is_err(),
        "version 10 knows no counter"
    );

    let (_, _, sql) = MIGRATIONS.iter().find(|m| m.0 == 11).unwrap();
    conn.execute_batch(sql).unwrap();
    let kept: (String, String, i64) = conn
        .query_row(
            "SELECT i.certificate_id, i.origin, d.dose_id FROM issuances i
             JOIN issuance_doses d USING (certificate_id)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(kept, ("c1".into(), "individual".into(), 7));
    conn.execute(counter, []).unwrap();
    let other = counter
        .replace("'counter'", "'elsewhere'")
        .replace("'c2'", "'c3'");
    assert!(
        conn.execute(&other, []).is_err(),
        "only individual or counter"
    );
    // The references still hold, and still bind.
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    assert!(conn
        .execute(
            "INSERT INTO issuance_doses (certificate_id, dose_id) VALUES ('nope', 7)",
            []
        )
        .is_err());
}

/// The residents of `m` as counted row by row, and as migration 12 keeps them.
fn counts(conn: &Connection, m: u32) -> (i64, i64) {
    let rows = conn
        .query_row(
            "SELECT count(*) FROM residents WHERE municipality = ?1",
            [m],
            |r| r.get(0),
        )
        .unwrap();
    let kept = conn
        .query_row(
            "SELECT coalesce((SELECT n FROM resident_counts WHERE municipality = ?1), 0)",
            [m],
            |r| r.get(0),
        )
        .unwrap();
    (rows, kept)
}

#[test]
fn migration_12_counts_the_residents_held_and_keeps_the_count_through_every_write() {
    let conn = at_version(11);
    let insert = |m: u32, a: &str| {
        conn.execute(
            "INSERT INTO residents (municipality, address_number, my_number_index,
                 my_number_sealed, ticket_number, name, name_kana, birth_date, sex, import_batch)
             VALUES (?1, ?2, randomblob(32), x'02', abs(random()), 'n', 'カナ', '1950-01-01', 1, 0)
             ON CONFLICT (municipality, address_number) DO NOTHING",
            rusqlite::params![m, a],
        )
        .unwrap()
    };
    for a in ["A1", "A2", "A3"] {
        insert(131016, a);
    }
    insert(11002, "A1");
    let (_, _, sql) = MIGRATIONS.iter().find(|m| m.0 == 12).unwrap();
    conn.execute_batch(sql).unwrap();
    assert_eq!(counts(&conn, 131016), (3, 3), "counted at migration");
    assert_eq!(counts(&conn, 11002), (1, 1));
    insert(131016, "A4");
    assert_eq!(insert(131016, "A4"), 0, "an import's repeated row");
    insert(12025, "A1");
    assert_eq!(counts(&conn, 131016), (4, 4), "an insert, not a conflict");
    assert_eq!(counts(&conn, 12025), (1, 1), "a municipality's first");
    conn.execute(
        "UPDATE residents SET name = 'x' WHERE municipality = 131016",
        [],
    )
    .unwrap();
    conn.execute(
        "UPDATE residents SET municipality = 12025 WHERE address_number = 'A4'",
        [],
    )
    .unwrap();
    assert_eq!(counts(&conn, 131016), (3, 3), "moved out");
    assert_eq!(counts(&conn, 12025), (2, 2), "moved in");
    conn.execute("DELETE FROM residents WHERE municipality = 131016", [])
        .unwrap();
    assert_eq!(counts(&conn, 131016), (0, 0), "erased");
    assert_eq!(counts(&conn, 99999), (0, 0), "never held any");
}

#[test]
fn migration_13_drops_the_triggers_and_recounts_so_only_the_store_moves_the_count() {
    let conn = at_version(12);
    let insert = |m: u32, a: &str| {
        conn.execute(
            "INSERT INTO residents (municipality, address_number, my_number_index,
                 my_number_sealed, ticket_number, name, name_kana, birth_date, sex, import_batch)
             VALUES (?1, ?2, randomblob(32), x'02', abs(random()), 'n', 'カナ', '1950-01-01', 1, 0)",
            rusqlite::params![m, a],
        )
        .unwrap()
    };
    for a in ["A1", "A2"] {
        insert(131016, a);
    }
    assert_eq!(
        counts(&conn, 131016),
        (2, 2),
        "kept by version 12's triggers"
    );
    let (_, _, sql) = MIGRATIONS.iter().find(|m| m.0 == 13).unwrap();
    conn.execute_batch(sql).unwrap();
    assert_eq!(counts(&conn, 131016), (2, 2), "recounted");
    // No trigger moves it any more: the store's import does, in its transaction.
    insert(131016, "A3");
    assert_eq!(counts(&conn, 131016), (3, 2));
    let triggers: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'resident_counts%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 0);
}
