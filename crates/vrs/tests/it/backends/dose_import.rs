//! The bulk dose upload on both backends (`both!`): PostgreSQL decides a chunk
//! of rows in memory and writes it set-based, SQLite row by row; the report of a
//! refused file, a repeated file, and a large file with re-uploads and a second
//! area must come out the same, down to the dose ids, the history, the counts
//! and the ledger's bytes.

use vrs::{DoseImportOutcome, Lookup, Principal, StatQuery, Vrs};

use super::{chiyoda, consenting, done, import, shinjuku, Backend};
use crate::support::file;

both!(
    a_refused_row_names_its_line_and_reason_and_nothing_is_written,
    a_repeated_file_is_idempotent,
    a_large_upload_gives_the_same_doses_history_counts_and_ledger_on_both,
);

fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

const HEADER: &str = "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n";

/// One upload line: dose `count` of ticket `ticket` of `m`.
fn line(m: &str, ticket: u64, count: u8, date: &str, lot: &str) -> String {
    format!("1{count}{m}{ticket:010},comirnaty,{lot},{date},会場A,医師A\n")
}

#[track_caller]
fn upload(vrs: &mut Vrs, who: &str, csv: &str) -> DoseImportOutcome {
    done(vrs.import_doses(p(who), csv.as_bytes(), None).unwrap())
}

/// Statistics of `who`'s own area by every key, as JSON.
fn statistics(vrs: &mut Vrs, who: Principal) -> serde_json::Value {
    let query = StatQuery {
        by: ["municipality", "date", "dose", "vaccine", "age-band"]
            .iter()
            .map(|k| k.parse().unwrap())
            .collect(),
        ..StatQuery::default()
    };
    serde_json::to_value(done(vrs.dose_statistics(who, &query).unwrap())).unwrap()
}

/// `who`'s ledger export, with address numbers.
fn ledger(vrs: &mut Vrs, who: Principal, dir: &std::path::Path, name: &str) -> String {
    let out = dir.join(name);
    let options = vrs::ExportOptions {
        since: None,
        encoding: vrs::Encoding::Utf8,
        with_address_number: true,
        replace: false,
    };
    done(vrs.export_ledger(who, &out, options).unwrap());
    std::fs::read_to_string(&out).unwrap()
}

/// A file with a row of each refusal, one of them against a dose admitted
/// earlier in the same file (its id is drawn only when the chunk is written):
/// the upload's report, and the doses and statistics afterwards.
fn refused_on(backend: Backend) -> Option<(DoseImportOutcome, serde_json::Value)> {
    let (_dir, mut vrs) = consenting(backend)?;
    import(&mut vrs, chiyoda(), &file("131016", 5));
    let csv = [
        line("131016", 1, 1, "2021-06-01", "FA5765"),
        line("131016", 1, 2, "2021-08-01", "FA5765"),
        // After 06-01 this is dose 2, which line 3 took: refused.
        line("131016", 1, 2, "2021-07-01", "FA5765"),
        line("131016", 9, 1, "2021-06-01", "FA5765"),
        line("131016", 2, 1, "2021-06-01", "FA5765"),
        line("131016", 3, 1, "2022-01-05", "FA5765"),
        line("131016", 4, 1, "2021-06-01", "FA5765"),
        line("131016", 4, 2, "2021-06-08", "FA5765"),
    ]
    .concat();
    let o = upload(&mut vrs, "site:131016", &format!("{HEADER}{csv}"));
    for t in 1..=4 {
        let held = done(
            vrs.list_doses(
                chiyoda(),
                &Lookup::TicketNumber(format!("{t:010}").parse().unwrap()),
            )
            .unwrap(),
        );
        assert!(held.is_empty(), "ticket {t} kept {held:?}");
    }
    let stats = statistics(&mut vrs, chiyoda());
    assert!(vrs.audit_verify().unwrap().valid);
    Some((o, stats))
}

fn a_refused_row_names_its_line_and_reason_and_nothing_is_written(backend: Backend) {
    let Some((o, stats)) = refused_on(backend) else {
        return;
    };
    assert!(!o.committed);
    assert_eq!((o.registered, o.existing, o.replaced), (0, 0, 0));
    let got: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        got,
        [(4, "date"), (5, "ocr_line"), (7, "date"), (9, "date")],
        "{:?}",
        o.errors
    );
    let reasons: Vec<&str> = o.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons[0], "the person already has dose 2 (131016-2)");
    assert!(reasons[1].contains("was not issued"), "{}", reasons[1]);
    assert!(reasons[2].contains("after today"), "{}", reasons[2]);
    assert!(reasons[3].contains("needs at least"), "{}", reasons[3]);
    assert_eq!(stats["rows"], serde_json::json!([]), "nothing counted");
    if backend == Backend::Postgres {
        let (on_sqlite, _) = refused_on(Backend::Sqlite).unwrap();
        assert_eq!(o, on_sqlite, "PostgreSQL's report differs from SQLite's");
    }
}

fn a_repeated_file_is_idempotent(backend: Backend) {
    let Some((dir, mut vrs)) = consenting(backend) else {
        return;
    };
    import(&mut vrs, chiyoda(), &file("131016", 30));
    let mut csv = HEADER.to_owned();
    for t in 1..=30 {
        csv.push_str(&line("131016", t, 1, "2021-06-01", "FA5765"));
        csv.push_str(&line("131016", t, 2, "2021-07-01", "FA5766"));
    }
    let first = upload(&mut vrs, "site:131016", &csv);
    assert!(first.committed, "{:?}", first.errors);
    assert_eq!((first.registered, first.existing), (60, 0));
    let stats = statistics(&mut vrs, chiyoda());
    let before = ledger(&mut vrs, chiyoda(), dir.path(), "before.csv");
    let review = done(vrs.review_doses(chiyoda()).unwrap()).len();
    let events = vrs.audit_verify().unwrap().events;
    let again = upload(&mut vrs, "site:131016", &csv);
    // One audit event for the upload, in its own transaction.
    assert_eq!(vrs.audit_verify().unwrap().events, events + 1);
    assert!(again.committed, "{:?}", again.errors);
    assert_eq!(
        (again.registered, again.existing, again.replaced),
        (0, 60, 0)
    );
    assert_eq!(statistics(&mut vrs, chiyoda()), stats, "counts unchanged");
    assert_eq!(
        ledger(&mut vrs, chiyoda(), dir.path(), "after.csv"),
        before,
        "doses unchanged"
    );
    // The first use of each lot was flagged once, not again.
    assert_eq!(review, 2);
    assert_eq!(done(vrs.review_doses(chiyoda()).unwrap()).len(), review);
    let held = done(
        vrs.list_doses(
            chiyoda(),
            &Lookup::TicketNumber("0000000030".parse().unwrap()),
        )
        .unwrap(),
    );
    let versions: Vec<(u8, u32)> = held
        .iter()
        .map(|d| (d.dose_number.get(), d.version))
        .collect();
    assert_eq!(versions, [(1, 1), (2, 1)]);
    assert!(vrs.audit_verify().unwrap().valid);
}

/// What a large upload leaves behind, to compare across backends.
#[derive(Debug, PartialEq)]
struct Snapshot {
    outcomes: Vec<DoseImportOutcome>,
    statistics: Vec<serde_json::Value>,
    ledgers: Vec<String>,
    review: usize,
    histories: Vec<Vec<(u32, String, String)>>,
}

/// 2,000 doses of 1,000 residents of 千代田区 and 50 of 新宿区 (on its behalf)
/// in one file, five people with a second row of the same day and another lot
/// (replacing a dose admitted earlier in the file), one with a third; then a re-upload with other
/// lots for some rows, after one of those doses was confirmed.
fn large_on(backend: Backend) -> Option<Snapshot> {
    let (dir, mut vrs) = consenting(backend)?;
    import(&mut vrs, chiyoda(), &file("131016", 1000));
    import(&mut vrs, shinjuku(), &file("131041", 50));
    let lots = ["FA5765", "FA5766", "FB0001", "FB0002"];
    let date = |day: u64, month: u8| format!("2021-{month:02}-{:02}", 1 + day % 20);
    let mut csv = HEADER.to_owned();
    for t in 1..=1000u64 {
        let lot = lots[(t % 4) as usize];
        csv.push_str(&line("131016", t, 1, &date(t, 6), lot));
        if t <= 5 {
            csv.push_str(&line("131016", t, 1, &date(t, 6), "FC0001"));
        }
        if t == 1 {
            // Back to the first lot: a third version (the row must see FC0001).
            csv.push_str(&line("131016", t, 1, &date(t, 6), lot));
        }
    }
    for t in 1..=50u64 {
        csv.push_str(&line("131041", t, 1, &date(t, 7), "FA5765"));
    }
    for t in 1..=1000u64 {
        csv.push_str(&line("131016", t, 2, &date(t, 8), lots[(t % 3) as usize]));
    }
    let first = upload(&mut vrs, "site:131016", &csv);
    assert!(first.committed, "{:?}", first.errors.first());
    assert_eq!(
        (first.registered, first.replaced, first.on_behalf),
        (2050, 6, 50)
    );
    // Confirm ticket 6's first dose, then upload some rows again with other lots.
    let held = done(
        vrs.list_doses(
            chiyoda(),
            &Lookup::TicketNumber("0000000006".parse().unwrap()),
        )
        .unwrap(),
    );
    done(vrs.confirm_dose(chiyoda(), held[0].id).unwrap()).unwrap();
    let mut again = HEADER.to_owned();
    for t in 1..=40u64 {
        again.push_str(&line("131016", t, 1, &date(t, 6), "FD0001"));
    }
    let second = upload(&mut vrs, "site:131016", &again);
    assert!(second.committed, "{:?}", second.errors.first());
    assert_eq!((second.replaced, second.kept_confirmed), (39, 1));
    let mut histories = Vec::new();
    for t in [1u64, 6, 7, 999] {
        let held = done(
            vrs.list_doses(
                chiyoda(),
                &Lookup::TicketNumber(format!("{t:010}").parse().unwrap()),
            )
            .unwrap(),
        );
        assert_eq!(held.len(), 2, "ticket {t}");
        for d in held {
            let versions = done(vrs.dose_history(chiyoda(), d.id).unwrap()).unwrap();
            histories.push(
                versions
                    .into_iter()
                    .map(|v| (v.version, v.change, v.dose.lot.to_string()))
                    .collect(),
            );
        }
    }
    let snapshot = Snapshot {
        outcomes: vec![first, second],
        statistics: vec![
            statistics(&mut vrs, chiyoda()),
            statistics(&mut vrs, shinjuku()),
        ],
        ledgers: vec![
            ledger(&mut vrs, chiyoda(), dir.path(), "chiyoda.csv"),
            ledger(&mut vrs, shinjuku(), dir.path(), "shinjuku.csv"),
        ],
        review: done(vrs.review_doses(chiyoda()).unwrap()).len(),
        histories,
    };
    assert!(vrs.audit_verify().unwrap().valid);
    Some(snapshot)
}

fn a_large_upload_gives_the_same_doses_history_counts_and_ledger_on_both(backend: Backend) {
    let Some(s) = large_on(backend) else {
        return;
    };
    // Ticket 1: its first dose registered with FA5766, replaced in the same
    // file by FC0001 and back, then by FD0001; ticket 6's was confirmed and kept.
    assert_eq!(
        s.histories[0],
        [
            (1, "registered".into(), "FA5766".into()),
            (2, "reuploaded".into(), "FC0001".into()),
            (3, "reuploaded".into(), "FA5766".into()),
            (4, "reuploaded".into(), "FD0001".into()),
        ]
    );
    assert_eq!(
        s.histories[2].last().unwrap().2,
        "FB0001",
        "confirmed: kept"
    );
    assert_eq!(s.histories[6].len(), 1, "ticket 999 untouched");
    let total: u64 = s.statistics[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 2000, "{}", s.statistics[0]);
    assert_eq!(s.ledgers[0].lines().count(), 2001);
    if backend == Backend::Postgres {
        let on_sqlite = large_on(Backend::Sqlite).unwrap();
        assert_eq!(s, on_sqlite, "PostgreSQL's upload differs from SQLite's");
    }
}
