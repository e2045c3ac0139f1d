//! D12-1: the resident import — encodings, all-or-nothing, updates with history.

use vrs::domain::MyNumber;
use vrs::{Answer, Encoding, ImportOutcome, Lookup};

use crate::support::{file, fresh, my_number, row, HEADER};

fn chiyoda() -> vrs::Principal {
    "municipality:131016".parse().unwrap()
}

#[track_caller]
fn done(a: Answer<ImportOutcome>) -> ImportOutcome {
    match a {
        Answer::Done(o) => o,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

#[test]
fn utf8_utf8_with_bom_and_cp932_files_import() {
    let text = file("131016", 5);
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!bad);
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    for (label, bytes) in [
        ("utf-8", text.as_bytes().to_vec()),
        ("utf-8 bom", bom),
        ("cp932", sjis.to_vec()),
    ] {
        let (_dir, mut vrs) = fresh();
        let o = done(
            vrs.import_residents(chiyoda(), bytes.as_slice(), None, false)
                .unwrap(),
        );
        assert_eq!(
            (o.imported, o.errors.len()),
            (5, 0),
            "{label}: {:?}",
            o.errors
        );
        let Answer::Done(Some(r)) = vrs
            .find_resident(
                chiyoda(),
                None,
                &Lookup::AddressNumber("A3".parse().unwrap()),
            )
            .unwrap()
        else {
            panic!("{label}: not found")
        };
        assert_eq!(r.name.to_string(), "山田\u{3000}太郎3", "{label}");
        assert_eq!(r.name_kana.as_str(), "ヤマダ\u{3000}タロウ", "{label}");
    }
}

#[test]
fn forcing_the_wrong_encoding_reports_rows_instead_of_writing_mojibake() {
    let text = file("131016", 2);
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let (_dir, mut vrs) = fresh();
    let o = done(
        vrs.import_residents(chiyoda(), sjis.as_ref(), Some(Encoding::Utf8), false)
            .unwrap(),
    );
    assert!(!o.errors.is_empty());
    assert!(!o.committed);
}

/// Reads every table's rows in a canonical order: the logical content of the database.
fn dump(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1, 2"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{t}: {}", cells.join("|")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn a_1000_row_file_with_3_bad_rows_reports_exactly_those_lines_and_changes_nothing() {
    let (dir, mut vrs) = fresh();
    // Some residents already held, so "unchanged" means more than "still empty".
    done(
        vrs.import_residents(chiyoda(), file("131016", 10).as_bytes(), None, false)
            .unwrap(),
    );
    // Close (checkpointing the WAL into the file), take the file's bytes, reopen.
    drop(vrs);
    let db = dir.path().join(vrs::DB_FILE);
    let before_dump = dump(&db);
    let before_events = before_dump
        .iter()
        .filter(|r| r.starts_with("audit_log:"))
        .count();
    let mut vrs = vrs::Vrs::open(dir.path(), Box::new(crate::support::clock())).unwrap();

    let mut text = HEADER.to_owned();
    for i in 1..=1000u64 {
        let line = match i {
            // Line numbers in the file are i + 1 (the header is line 1).
            100 => row("131016", i).replace(&my_number(i + 131_016_000), "123456789010"),
            500 => row("131016", i).replace("1980-02-17", "昭和65年1月1日"),
            999 => row("131016", i).replace("131016,", "131041,"),
            _ => row("131016", i),
        };
        text.push_str(&line);
    }
    let o = done(
        vrs.import_residents(chiyoda(), text.as_bytes(), None, false)
            .unwrap(),
    );
    let lines: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (101, "my_number"),
            (501, "birth_date"),
            (1000, "municipality_code")
        ]
    );
    assert!(!o.committed);
    assert!(!format!("{:?}", o.errors).contains("123456789010"));
    // S-1-3-3, S-3-3: the failure is recorded as one exception event (its
    // lines and columns, no cell), and nothing else changes.
    let failed = vrs
        .audit_search(None, Some("import_residents"), None, 10)
        .unwrap();
    let last = failed.last().unwrap();
    assert_eq!(last.outcome, "failed");
    assert_eq!(last.grounds, ["S-1-3-3", "S-3-3"]);
    let detail = last.detail.to_string();
    assert!(
        detail.contains("501") && !detail.contains("123456789010"),
        "{detail}"
    );
    assert!(vrs.audit_verify().unwrap().valid);
    drop(vrs);
    let not_audit = |d: Vec<String>| -> Vec<String> {
        d.into_iter().filter(|r| !r.starts_with("audit_")).collect()
    };
    assert_eq!(
        not_audit(dump(&db)),
        not_audit(before_dump),
        "logical content changed"
    );
    assert_eq!(
        dump(&db)
            .iter()
            .filter(|r| r.starts_with("audit_log:"))
            .count(),
        before_events + 1,
        "exactly one exception event"
    );
}

#[test]
fn a_dry_run_reports_but_writes_nothing() {
    let (_dir, mut vrs) = fresh();
    let o = done(
        vrs.import_residents(chiyoda(), file("131016", 20).as_bytes(), None, true)
            .unwrap(),
    );
    assert_eq!(o.imported, 20);
    assert!(!o.committed);
    let Answer::Done(n) = vrs.count_residents(chiyoda(), None).unwrap() else {
        panic!()
    };
    assert_eq!(n, 0);
}

#[test]
fn a_known_address_number_updates_the_resident_and_keeps_the_old_values() {
    let (dir, mut vrs) = fresh();
    done(
        vrs.import_residents(chiyoda(), file("131016", 3).as_bytes(), None, false)
            .unwrap(),
    );
    let changed = format!(
        "{HEADER}{}",
        row("131016", 2).replace("山田\u{3000}太郎2", "鈴木\u{3000}花子")
    );
    let o = done(
        vrs.import_residents(chiyoda(), changed.as_bytes(), None, false)
            .unwrap(),
    );
    assert_eq!((o.imported, o.updated, o.unchanged), (0, 1, 0));
    let again = done(
        vrs.import_residents(chiyoda(), changed.as_bytes(), None, false)
            .unwrap(),
    );
    assert_eq!((again.updated, again.unchanged), (0, 1));
    let Answer::Done(Some(r)) = vrs
        .find_resident(
            chiyoda(),
            None,
            &Lookup::AddressNumber("A2".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.name.to_string(), "鈴木\u{3000}花子");
    drop(vrs);
    let conn = rusqlite::Connection::open(dir.path().join(vrs::DB_FILE)).unwrap();
    let old: String = conn
        .query_row(
            "SELECT name FROM resident_history WHERE address_number = 'A2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old, "山田\u{3000}太郎2");
}

#[test]
fn two_residents_with_one_my_number_or_one_ticket_number_are_refused() {
    let (_dir, mut vrs) = fresh();
    done(
        vrs.import_residents(chiyoda(), file("131016", 2).as_bytes(), None, false)
            .unwrap(),
    );
    let n1 = my_number(1 + 131_016_000);
    for (label, line, column) in [
        (
            "same my number",
            row("131016", 7).replace(&my_number(7 + 131_016_000), &n1),
            "my_number",
        ),
        (
            "same ticket",
            row("131016", 8).replace("0000000008", "0000000001"),
            "ticket_number",
        ),
    ] {
        let text = format!("{HEADER}{line}");
        let o = done(
            vrs.import_residents(chiyoda(), text.as_bytes(), None, false)
                .unwrap(),
        );
        assert_eq!(o.errors.len(), 1, "{label}");
        assert_eq!(o.errors[0].column, column, "{label}");
        assert_eq!(o.errors[0].line, 2, "{label}");
    }
    // Within one file too, and an address number repeated in one file.
    let text = format!("{HEADER}{}{}", row("131016", 5), row("131016", 5));
    let o = done(
        vrs.import_residents(chiyoda(), text.as_bytes(), None, false)
            .unwrap(),
    );
    assert_eq!(o.errors.len(), 1);
    assert_eq!(
        (o.errors[0].line, o.errors[0].column.as_str()),
        (3, "address_number")
    );
    let _: MyNumber = n1.parse().unwrap();
}

#[test]
fn no_my_number_digits_appear_in_the_database_file() {
    let (dir, mut vrs) = fresh();
    let text = file("131016", 200);
    done(
        vrs.import_residents(chiyoda(), text.as_bytes(), None, false)
            .unwrap(),
    );
    for i in 1..=200 {
        let n: MyNumber = my_number(i + 131_016_000).parse().unwrap();
        let _ = vrs
            .find_resident(chiyoda(), None, &Lookup::MyNumber(n))
            .unwrap();
    }
    drop(vrs);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "keyring.json" {
            bytes.extend(std::fs::read(&p).unwrap());
        }
    }
    for i in 1..=200 {
        let digits = my_number(i + 131_016_000);
        assert!(
            !bytes.windows(12).any(|w| w == digits.as_bytes()),
            "resident {i}'s My Number found in plain text"
        );
    }
}
