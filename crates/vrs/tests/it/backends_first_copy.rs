//! PostgreSQL only: the first load of a residents partition that never held a
//! row goes by COPY straight into the detached partition
//! (`vrs_residents_first_load_open`/`_close`, schema version 9). A bad or
//! repeated row is still named by its line and nothing is written; a first
//! load opened and not closed cannot commit; the application role can write
//! only its own area's rows of its own batch into the partition, and read
//! nothing; a partition that held rows once takes the staging path.

use crate::backends::test_database_url;
use crate::backends_first_load::{
    assert_same_shape, catalog, fresh_131016, import, refused_as_app, rows_in,
};
use crate::support::{file, my_number, HEADER};

/// The partition's current data file: COPY's path gives it a new one.
fn filenode(c: &mut postgres::Client, part: &str) -> u32 {
    c.query_one(
        "SELECT pg_relation_filenode($1::text::regclass)::oid",
        &[&part],
    )
    .unwrap()
    .get(0)
}

fn line(address: &str, number: &str, ticket: u64) -> String {
    format!("131016,{address},{number},{ticket:010},山田\u{3000}太郎,ヤマダ\u{3000}タロウ,1980-02-17,1\n")
}

#[test]
fn a_first_load_by_copy_names_each_bad_and_repeated_line_and_writes_nothing() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let before = catalog(&mut owner, &part);
    let node = filenode(&mut owner, &part);
    let mut bad_number = my_number(9).into_bytes();
    bad_number[11] = b'0' + (bad_number[11] - b'0' + 1) % 10;
    let bad_number = String::from_utf8(bad_number).unwrap();
    // Lines 3 and 9 are bad, so rows sent and lines part ways after each.
    let csv = [
        HEADER.to_owned(),
        line("A1", &my_number(1), 1), // 2
        line("A9", &bad_number, 9),   // 3: check digit
        line("A2", &my_number(2), 2), // 4
        line("A1", &my_number(3), 3), // 5: A1 again
        line("A4", &my_number(2), 4), // 6: A2's My Number
        line("A5", &my_number(5), 1), // 7: A1's ticket
        line("A6", &my_number(6), 6), // 8
        line("A7", &bad_number, 7),   // 9: check digit
        line("A6", &my_number(8), 6), // 10: A6 again, and its ticket
        line("A8", &my_number(8), 8), // 11: line 10's My Number
    ]
    .concat();
    let o = import(&mut vrs, "131016", &csv);
    let errors: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (3, "my_number"),
            (5, "address_number"),
            (6, "my_number"),
            (7, "ticket_number"),
            (9, "my_number"),
            (10, "address_number"),
            (11, "my_number"),
        ]
    );
    assert!(!o.committed);
    assert_eq!((o.imported, o.updated, o.unchanged), (0, 0, 0));
    // Nothing written, the partition as it was, down to its data file.
    assert_eq!(catalog(&mut owner, &part), before);
    assert_eq!(rows_in(&mut owner, &part), 0);
    assert_eq!(filenode(&mut owner, &part), node);

    // Only a repeat (no bad row): the index build refuses it at ATTACH.
    let csv = [
        HEADER.to_owned(),
        line("A1", &my_number(1), 1),
        line("A2", &my_number(2), 2),
        line("A3", &my_number(1), 3),
    ]
    .concat();
    let o = import(&mut vrs, "131016", &csv);
    let errors: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(errors, [(4, "my_number")]);
    assert_eq!(catalog(&mut owner, &part), before);
    assert_eq!(filenode(&mut owner, &part), node);

    // A good file then takes the COPY path: a new data file, new indexes.
    let o = import(&mut vrs, "131016", &file("131016", 30));
    assert_eq!((o.imported, o.committed), (30, true), "{:?}", o.errors);
    let after = catalog(&mut owner, &part);
    assert_same_shape(&before, &after);
    assert_ne!(after.index_oids, before.index_oids);
    assert_ne!(filenode(&mut owner, &part), node);
    assert_eq!(rows_in(&mut owner, &part), 30);
    let batch: Vec<i64> = owner
        .query(&format!("SELECT DISTINCT import_batch FROM {part}"), &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(batch.len(), 1, "one batch: {batch:?}");
    let event = crate::backends_pg::count_in(
        &mut owner,
        "",
        "national",
        &format!(
            "SELECT count(*) FROM audit_log WHERE seq = {} AND municipality = 131016",
            batch[0]
        ),
    );
    assert_eq!(event, 1, "the audit event carries the rows' batch number");
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn a_first_load_by_copy_binds_the_application_role_and_cannot_commit_unclosed() {
    let Some((_drop, _dir, mut vrs, schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let before = catalog(&mut owner, &part);
    let base = test_database_url().unwrap();
    let mut app = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    app.batch_execute(&format!("SET search_path = {schema}; SET ROLE vrs_app"))
        .unwrap();
    let mut tx = app.transaction().unwrap();
    tx.execute("SELECT set_config('app.municipality', '131016', true)", &[])
        .unwrap();
    let opened: Option<String> = tx
        .query_one("SELECT vrs_residents_first_load_open(77)", &[])
        .unwrap()
        .get(0);
    assert_eq!(opened.as_deref(), Some(part.as_str()));
    let row = |m: i32, batch: i64| {
        format!(
            "INSERT INTO {part} (municipality, address_number, my_number_index,
                 my_number_sealed, ticket_number, name, name_kana, birth_date, sex, import_batch)
             VALUES ({m}, 'X1', decode(repeat('00', 32), 'hex'), '\\x00', 1, 'n', 'k',
                 '1980-01-01', 1, {batch})"
        )
    };
    // Another area's row (131041 or any code of this partition), or this
    // area's row under another batch number: refused by the CHECK.
    for (m, batch) in [(131_041, 77), (131_016, 78)] {
        tx.batch_execute("SAVEPOINT s").unwrap();
        let e = tx.batch_execute(&row(m, batch)).unwrap_err();
        assert_eq!(
            e.code(),
            Some(&postgres::error::SqlState::CHECK_VIOLATION),
            "{m} {batch}: {e:?}"
        );
        tx.batch_execute("ROLLBACK TO SAVEPOINT s").unwrap();
    }
    tx.batch_execute(&row(131_016, 77)).unwrap();
    // INSERT only: the partition is not readable, nor changeable.
    for sql in [
        format!("SELECT count(*) FROM {part}"),
        format!("DELETE FROM {part}"),
        format!("ALTER TABLE {part} DROP CONSTRAINT vrs_first_load"),
    ] {
        tx.batch_execute("SAVEPOINT s").unwrap();
        let e = tx.batch_execute(&sql).unwrap_err();
        assert!(
            matches!(
                e.code(),
                Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
            ),
            "{sql}: {e:?}"
        );
        tx.batch_execute("ROLLBACK TO SAVEPOINT s").unwrap();
    }
    // Not closed: the COMMIT fails and everything rolls back.
    let e = tx.commit().unwrap_err();
    assert_eq!(
        e.code(),
        Some(&postgres::error::SqlState::INVALID_TRANSACTION_STATE),
        "{e:?}"
    );
    assert_eq!(catalog(&mut owner, &part), before);
    assert_eq!(rows_in(&mut owner, &part), 0);

    // The functions serve one municipality's own area only.
    for (area, scope) in [("", ""), ("", "national")] {
        assert_eq!(
            refused_as_app(
                &mut app,
                area,
                scope,
                "SELECT vrs_residents_first_load_open(1)"
            ),
            postgres::error::SqlState::INSUFFICIENT_PRIVILEGE,
            "area {area:?} scope {scope:?}"
        );
    }
    // Closing or asking for problems with nothing open is refused.
    for sql in [
        "SELECT vrs_residents_first_load_close()",
        "SELECT * FROM vrs_residents_first_load_problems('\\x00')",
    ] {
        assert_eq!(
            refused_as_app(&mut app, "131016", "", sql),
            postgres::error::SqlState::INVALID_TRANSACTION_STATE,
            "{sql}"
        );
    }
    // Definer's rights, narrowly: a fixed search_path with pg_temp last,
    // EXECUTE for the application role and the owner only (not PUBLIC).
    for f in [
        "vrs_residents_first_load_open(bigint)",
        "vrs_residents_first_load_close()",
        "vrs_residents_first_load_problems(bytea)",
    ] {
        let r = owner
            .query_one(
                "SELECT prosecdef, proconfig, proacl::text[] FROM pg_proc
                 WHERE oid = $1::text::regprocedure",
                &[&f],
            )
            .unwrap();
        assert!(r.get::<_, bool>(0), "{f}");
        assert_eq!(
            r.get::<_, Vec<String>>(1),
            [format!("search_path={schema}, pg_temp")],
            "{f}"
        );
        let acl: Vec<String> = r.get(2);
        assert_eq!(acl.len(), 2, "{f}: {acl:?}");
        assert!(
            acl.iter().any(|a| a.starts_with("vrs_app=X/")),
            "{f}: {acl:?}"
        );
    }
    // The import itself still goes through.
    let o = import(&mut vrs, "131016", &file("131016", 3));
    assert_eq!((o.imported, o.committed), (3, true), "{:?}", o.errors);
    assert_same_shape(&before, &catalog(&mut owner, &part));
}

#[test]
fn a_partition_that_held_a_row_once_takes_the_staged_first_load() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    // A row written and deleted (as an erasure does): the partition has a
    // page but no row, so no COPY straight into it.
    owner
        .batch_execute(&format!(
            "INSERT INTO {part} (municipality, address_number, my_number_index,
                 my_number_sealed, ticket_number, name, name_kana, birth_date, sex, import_batch)
             VALUES (131016, 'X1', decode(repeat('00', 32), 'hex'), '\\x00', 1, 'n', 'k',
                 '1980-01-01', 1, 1);
             DELETE FROM {part}"
        ))
        .unwrap();
    let before = catalog(&mut owner, &part);
    let node = filenode(&mut owner, &part);
    let o = import(&mut vrs, "131016", &file("131016", 20));
    assert_eq!((o.imported, o.committed), (20, true), "{:?}", o.errors);
    let after = catalog(&mut owner, &part);
    assert_same_shape(&before, &after);
    assert_ne!(after.index_oids, before.index_oids, "indexes built after");
    assert_eq!(filenode(&mut owner, &part), node, "the same data file");
    assert_eq!(rows_in(&mut owner, &part), 20);
}

#[test]
fn a_first_load_by_copy_keeps_every_column_of_a_moved_in_resident() {
    let Some((_drop, _dir, mut vrs, _schema, mut owner, part)) = fresh_131016() else {
        return;
    };
    let node = filenode(&mut owner, &part);
    // The first load of 131016: one resident moved in from 011002.
    crate::support::moved_in(&mut vrs, "011002", "131016", 7);
    assert_ne!(filenode(&mut owner, &part), node, "the COPY path");
    let who = "municipality:131016".parse().unwrap();
    let lookup = vrs::Lookup::AddressNumber("M7".parse().unwrap());
    let vrs::Answer::Done(Some(r)) = vrs.find_resident(who, None, &lookup).unwrap() else {
        panic!("M7 is not found")
    };
    let n: vrs::domain::MyNumber = my_number(7 + 11_002 * 1000).parse().unwrap();
    assert_eq!(r.my_number, n, "sealed and opened under 131016's key");
    assert_eq!(r.ticket_number.to_string(), "0000900007");
    assert_eq!(r.name.to_string(), "山田\u{3000}太郎7");
    assert_eq!(r.name_kana.to_string(), "ヤマダ\u{3000}タロウ");
    assert_eq!(r.birth_date.to_string(), "1980-02-17");
    assert_eq!(r.sex.code(), 1);
    assert_eq!(
        r.previous_municipality.map(|m| m.to_string()).as_deref(),
        Some("011002")
    );
    assert_eq!(
        r.moved_in_on.map(|d| d.to_string()).as_deref(),
        Some("2021-12-15")
    );
}
