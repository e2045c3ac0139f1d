//! Doses end to end: registration (also on behalf), the checks at entry,
//! management with history, bulk upload and ledger export (statistics: dose_statistics.rs).

use vrs::domain::{parse_dose_date, DoseEntry, OcrLine};
use vrs::{
    Answer, Correction, Encoding, ExportOptions, Lookup, Principal, Rejection, StatQuery, Vrs,
};

use crate::support::{file, fresh};

pub(crate) fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

/// A dose entry for ticket `ticket` of `municipality` (dose count `count` on the ticket).
pub(crate) fn entry(
    municipality: &str,
    ticket: u64,
    count: u8,
    date: &str,
    vaccine: &str,
    lot: &str,
) -> DoseEntry {
    DoseEntry {
        ocr: format!("1{count}{municipality}{ticket:010}")
            .parse::<OcrLine>()
            .unwrap(),
        product: vaccine.parse().unwrap(),
        lot: lot.parse().unwrap(),
        date: parse_dose_date(date).unwrap(),
        venue: Some("区役所".parse().unwrap()),
        doctor: Some("山田一郎".parse().unwrap()),
    }
}

pub(crate) fn with_residents(codes: &[&str], n: u64) -> (tempfile::TempDir, Vrs) {
    let (dir, mut vrs) = fresh();
    for code in codes {
        let Answer::Done(o) = vrs
            .import_residents(
                p(&format!("municipality:{code}")),
                file(code, n).as_bytes(),
                None,
                false,
            )
            .unwrap()
        else {
            panic!("import refused")
        };
        assert!(o.committed, "{:?}", o.errors);
    }
    (dir, vrs)
}

#[track_caller]
pub(crate) fn register(
    vrs: &mut Vrs,
    who: &str,
    e: &DoseEntry,
) -> Result<vrs::Registered, Rejection> {
    match vrs.register_dose(p(who), e).unwrap() {
        Answer::Done(r) => r,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

#[test]
fn t1_3_1_6_a_site_of_131016_registers_a_resident_of_011002_into_011002_and_cannot_list_it() {
    let (_dir, mut vrs) = with_residents(&["011002", "131016"], 3);
    let r = register(
        &mut vrs,
        "site:131016",
        &entry("011002", 2, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    assert_eq!(r.municipality_code.to_string(), "011002");
    assert!(r.on_behalf && !r.existing);
    assert_eq!(r.dose_id.municipality().to_string(), "011002");
    // The site cannot list it, nor can 131016 as a municipality (its area has no such dose).
    let Answer::Refused(refusal) = vrs
        .list_doses(
            p("site:131016"),
            &Lookup::TicketNumber("0000000002".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!("site listed doses")
    };
    assert_eq!(refusal.provisions(), ["T1-4-3", "T1-5-1"]);
    let Answer::Done(own) = vrs
        .list_doses(
            p("municipality:131016"),
            &Lookup::TicketNumber("0000000002".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(own.is_empty(), "131016 sees a dose in its own area");
    let Answer::Refused(_) = vrs
        .dose_history(p("municipality:131016"), r.dose_id)
        .unwrap()
    else {
        panic!("131016 read 011002's dose history")
    };
    // 011002 holds it, flagged for review as registered on its behalf.
    let Answer::Done(held) = vrs
        .list_doses(
            p("municipality:011002"),
            &Lookup::TicketNumber("0000000002".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].vaccinating_municipality.to_string(), "131016");
    assert!(held[0].on_behalf);
    let Answer::Done(queue) = vrs.review_doses(p("municipality:011002")).unwrap() else {
        panic!()
    };
    assert!(
        queue[0].reasons.iter().any(|r| r.contains("on behalf")),
        "{:?}",
        queue[0].reasons
    );
    // The on-behalf registration's audit event names no subject (no My Number, T1-3-1-6).
    let events = vrs
        .audit_search(
            Some("011002".parse().unwrap()),
            Some("register_dose"),
            None,
            10,
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].grounds, ["T1-2-3", "T1-3-1-6"]);
}

#[test]
fn every_check_at_entry_refuses_with_its_reason_and_a_repeat_is_idempotent() {
    let (_dir, mut vrs) = with_residents(&["131016"], 3);
    let site = "site:131016";
    let first = register(
        &mut vrs,
        site,
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    assert_eq!(first.dose_number.get(), 1);
    // The same dose again: the existing one comes back, nothing new is written.
    let again = register(
        &mut vrs,
        site,
        &entry("131016", 1, 1, "2021-06-01", "208", "FA5765"),
    )
    .unwrap();
    assert_eq!((again.dose_id, again.existing), (first.dose_id, true));
    for (what, e, want) in [
        (
            "unissued ticket",
            entry("131016", 99, 1, "2021-06-01", "comirnaty", "FA5765"),
            "ticket number 0000000099 was not issued to any resident of 131016",
        ),
        (
            "future date",
            entry("131016", 2, 1, "2021-12-21", "comirnaty", "FA5765"),
            "vaccination date 2021-12-21 is after today (2021-12-20)",
        ),
        (
            "duplicate dose number",
            entry("131016", 1, 1, "2021-06-01", "comirnaty", "EY0779"),
            "the person already has dose 1",
        ),
        (
            "earlier than the first dose",
            entry("131016", 1, 1, "2021-05-01", "comirnaty", "FA5765"),
            "the person already has dose 1",
        ),
        (
            "interval",
            entry("131016", 1, 2, "2021-06-15", "comirnaty", "FA5765"),
            "14 days after the previous dose of 2021-06-01; comirnaty needs at least 21",
        ),
        (
            "interval of the product given",
            entry("131016", 1, 2, "2021-06-28", "spikevax", "3002183"),
            "27 days after the previous dose of 2021-06-01; spikevax needs at least 28",
        ),
    ] {
        let got = register(&mut vrs, site, &e);
        let reason = got
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|r| r.to_string());
        assert!(got.is_err() && reason.starts_with(want), "{what}: {got:?}");
    }
    // The ticket says dose 2 and the interval holds: dose 2 is registered.
    let second = register(
        &mut vrs,
        site,
        &entry("131016", 1, 2, "2021-06-22", "comirnaty", "FA5765"),
    )
    .unwrap();
    assert_eq!(
        (second.dose_number.get(), second.review.is_empty()),
        (2, true)
    );
    // A booster 5 months later is too soon under the rule in force in December 2021
    // (6 months at the earliest; 3 months only from October 2022, vrs_domain::schedule).
    let soon = register(
        &mut vrs,
        site,
        &entry("131016", 1, 3, "2021-12-01", "spikevax-booster", "000084A"),
    );
    assert!(
        matches!(
            soon,
            Err(Rejection::TooSoon {
                days: 162,
                min_days: 183,
                ..
            })
        ),
        "{soon:?}"
    );
    // Another person's third dose 6 months after the second, but printed as dose 1 on
    // the ticket: flagged for review.
    for (count, date) in [(1, "2021-05-10"), (2, "2021-05-31")] {
        register(
            &mut vrs,
            site,
            &entry("131016", 3, count, date, "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    let third = register(
        &mut vrs,
        site,
        &entry("131016", 3, 1, "2021-12-01", "spikevax-booster", "000084A"),
    )
    .unwrap();
    assert_eq!(third.dose_number.get(), 3);
    assert!(
        third
            .review
            .iter()
            .any(|r| r.contains("ticket is for dose 1")),
        "{:?}",
        third.review
    );
    // Refusals of the checks are audited too.
    let rejected = vrs
        .audit_search(None, Some("register_dose"), None, 100)
        .unwrap();
    assert!(rejected.iter().filter(|e| e.outcome == "rejected").count() >= 5);
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn t1_5_1_correction_and_deletion_keep_every_version_and_a_site_cannot_correct() {
    let (_dir, mut vrs) = with_residents(&["131016"], 2);
    let r = register(
        &mut vrs,
        "site:131016",
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    let mine = p("municipality:131016");
    let fix = Correction {
        lot: Some("FA5766".parse().unwrap()),
        ..Correction::default()
    };
    let Answer::Refused(refusal) = vrs
        .correct_dose(p("site:131016"), r.dose_id, &fix, "typo")
        .unwrap()
    else {
        panic!("a site corrected a dose")
    };
    assert_eq!(refusal.provisions(), ["T1-4-3", "T1-5-1"]);
    let Answer::Refused(_) = vrs.delete_dose(p("site:131016"), r.dose_id, "x").unwrap() else {
        panic!("a site deleted a dose")
    };
    let Answer::Done(Ok(v2)) = vrs
        .correct_dose(mine, r.dose_id, &fix, "lot misread by the tablet")
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((v2.version, v2.lot.as_str()), (2, "FA5766"));
    let Answer::Done(Err(Rejection::NoChange)) =
        vrs.correct_dose(mine, r.dose_id, &fix, "again").unwrap()
    else {
        panic!("an empty correction was accepted")
    };
    let Answer::Done(Ok(v3)) = vrs.delete_dose(mine, r.dose_id, "wrong person").unwrap() else {
        panic!()
    };
    assert_eq!(v3.version, 3);
    let Answer::Done(Ok(history)) = vrs.dose_history(mine, r.dose_id).unwrap() else {
        panic!()
    };
    let summary: Vec<(u32, &str, &str, Option<&str>, &str)> = history
        .iter()
        .map(|v| {
            (
                v.version,
                v.change.as_str(),
                v.changed_by.as_str(),
                v.reason.as_deref(),
                v.dose.lot.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "registered", "site:131016", None, "FA5765"),
            (
                2,
                "corrected",
                "municipality:131016",
                Some("lot misread by the tablet"),
                "FA5766"
            ),
            (
                3,
                "deleted",
                "municipality:131016",
                Some("wrong person"),
                "FA5766"
            ),
        ]
    );
    // A deleted dose frees its number and cannot be changed any more.
    let Answer::Done(Err(Rejection::Deleted { .. })) = vrs.confirm_dose(mine, r.dose_id).unwrap()
    else {
        panic!()
    };
    let again = register(
        &mut vrs,
        "site:131016",
        &entry("131016", 1, 1, "2021-06-02", "comirnaty", "FA5765"),
    )
    .unwrap();
    assert_eq!(again.dose_number.get(), 1);
}

const UPLOAD_HEADER: &str = "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n";

#[test]
fn a_confirmed_dose_survives_a_bulk_re_upload_and_an_unconfirmed_one_is_replaced_with_history() {
    let (_dir, mut vrs) = with_residents(&["131016", "011002"], 3);
    let site = p("site:131016");
    let upload = format!(
        "{UPLOAD_HEADER}111310160000000001,comirnaty,FA5765,2021-06-01,会場A,医師A\n\
         111310160000000002,comirnaty,FA5765,2021-06-01,会場A,医師A\n\
         110110020000000003,spikevax,3002183,2021-06-02,会場A,医師A\n"
    );
    let Answer::Done(o) = vrs.import_doses(site, upload.as_bytes(), None).unwrap() else {
        panic!()
    };
    assert_eq!(
        (o.registered, o.on_behalf, o.committed),
        (3, 1, true),
        "{:?}",
        o.errors
    );
    let mine = p("municipality:131016");
    let Answer::Done(d1) = vrs
        .list_doses(mine, &Lookup::TicketNumber("0000000001".parse().unwrap()))
        .unwrap()
    else {
        panic!()
    };
    let Answer::Done(Ok(_)) = vrs.confirm_dose(mine, d1[0].id).unwrap() else {
        panic!()
    };
    // The venue uploads again with other lots for the same days.
    let reupload = format!(
        "{UPLOAD_HEADER}111310160000000001,comirnaty,XX0001,2021-06-01,会場A,医師A\n\
         111310160000000002,comirnaty,XX0001,2021-06-01,会場A,医師A\n"
    );
    let Answer::Done(o) = vrs.import_doses(site, reupload.as_bytes(), None).unwrap() else {
        panic!()
    };
    assert_eq!(
        (o.kept_confirmed, o.replaced, o.committed),
        (1, 1, true),
        "{o:?}"
    );
    let lots: Vec<String> = ["0000000001", "0000000002"]
        .iter()
        .map(|t| {
            let Answer::Done(d) = vrs
                .list_doses(mine, &Lookup::TicketNumber(t.parse().unwrap()))
                .unwrap()
            else {
                panic!()
            };
            d[0].lot.to_string()
        })
        .collect();
    assert_eq!(lots, ["FA5765", "XX0001"]);
    let Answer::Done(d2) = vrs
        .list_doses(mine, &Lookup::TicketNumber("0000000002".parse().unwrap()))
        .unwrap()
    else {
        panic!()
    };
    let Answer::Done(Ok(h)) = vrs.dose_history(mine, d2[0].id).unwrap() else {
        panic!()
    };
    assert_eq!(
        h.iter().map(|v| v.change.as_str()).collect::<Vec<_>>(),
        ["registered", "reuploaded"]
    );
}

#[test]
fn a_bulk_upload_with_any_bad_row_writes_nothing_and_reports_every_row() {
    let (_dir, mut vrs) = with_residents(&["131016"], 2);
    let upload = format!(
        "{UPLOAD_HEADER}111310160000000001,comirnaty,FA5765,2021-06-01,,\n\
         111310160000000099,comirnaty,FA5765,2021-06-01,,\n\
         111310170000000001,nope,FA5765,2021-06-01,,\n\
         111310160000000001,comirnaty,FA5765,2021-06-10,,\n"
    );
    let Answer::Done(o) = vrs
        .import_doses(p("site:131016"), upload.as_bytes(), None)
        .unwrap()
    else {
        panic!()
    };
    assert!(!o.committed);
    let got: Vec<(u64, &str)> = o
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "ocr_line"),
            (4, "ocr_line"),
            (4, "vaccine"),
            (5, "date")
        ]
    );
    let Answer::Done(d) = vrs
        .list_doses(
            p("municipality:131016"),
            &Lookup::TicketNumber("0000000001".parse().unwrap()),
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(d.is_empty());
}

#[test]
fn the_ledger_export_matches_the_golden_file_byte_for_byte_and_cp932_round_trips() {
    let (dir, mut vrs) = with_residents(&["131016", "011002"], 3);
    register(
        &mut vrs,
        "site:131016",
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    register(
        &mut vrs,
        "site:011002",
        &entry("131016", 2, 1, "2021-06-03", "spikevax", "3002183"),
    )
    .unwrap();
    let mut odd = entry("131016", 3, 1, "2021-07-01", "comirnaty", "EY0779");
    odd.venue = Some("会場, \"本館\"".parse().unwrap());
    odd.doctor = None;
    let third = register(&mut vrs, "site:131016", &odd).unwrap();
    let Answer::Done(Ok(_)) = vrs
        .delete_dose(p("municipality:131016"), third.dose_id, "test")
        .unwrap()
    else {
        panic!()
    };
    register(&mut vrs, "site:131016", &odd).unwrap();
    let mine = p("municipality:131016");
    let out = dir.path().join("ledger.csv");
    let opts = ExportOptions {
        since: None,
        encoding: Encoding::Utf8,
        with_address_number: false,
        replace: false,
    };
    let Answer::Done(report) = vrs.export_ledger(mine, &out, opts).unwrap() else {
        panic!()
    };
    assert_eq!(report.doses, 3);
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ledger/export-131016.csv");
    let got = std::fs::read(&out).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        std::fs::read_to_string(&golden).unwrap()
    );
    assert_eq!(got, std::fs::read(&golden).unwrap());

    let sjis = dir.path().join("ledger.cp932.csv");
    let Answer::Done(_) = vrs
        .export_ledger(
            mine,
            &sjis,
            ExportOptions {
                encoding: Encoding::Cp932,
                ..opts
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let bytes = std::fs::read(&sjis).unwrap();
    assert_ne!(bytes, got, "cp932 output is not UTF-8");
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert_eq!(decoded.as_bytes(), got.as_slice());

    let with = dir.path().join("with.csv");
    let Answer::Done(_) = vrs
        .export_ledger(
            mine,
            &with,
            ExportOptions {
                with_address_number: true,
                ..opts
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let text = std::fs::read_to_string(&with).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("A1,"), "{text}");
    let Answer::Refused(r) = vrs.export_ledger(p("site:131016"), &with, opts).unwrap() else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-4-3", "T1-5-1"]);
}

#[test]
fn d12_3_an_inquiry_answers_with_the_persons_doses_in_force_and_nothing_else() {
    use vrs::consent::DocumentId;
    let (_dir, mut vrs) = with_residents(&["011002"], 3);
    crate::support::consent(&mut vrs, "011002", DocumentId::Addendum20211203);
    for (count, date) in [(1, "2021-06-01"), (2, "2021-06-22")] {
        register(
            &mut vrs,
            "site:131016",
            &entry("011002", 2, count, date, "comirnaty", "FA5765"),
        )
        .unwrap();
    }
    let person = crate::support::my_number(2 + 11_002_000).parse().unwrap();
    let holder = "011002".parse().unwrap();
    crate::support::moved_in(&mut vrs, "011002", "131016", 2);
    let options = vrs::InquiryOptions {
        personal_consent: false,
        purpose: "vaccination-ticket",
        record: false,
    };
    let Answer::Done(a) = vrs
        .inquire(p("municipality:131016"), holder, &person, options)
        .unwrap()
    else {
        panic!("refused")
    };
    assert!(a.found);
    assert_eq!(a.legal_basis, ["T2-1-1", "L13"]);
    let got: Vec<String> = a
        .doses
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {} {}",
                d.dose_number.get(),
                d.date,
                d.product.id(),
                d.lot.as_str(),
                d.vaccinating_municipality,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "1 2021-06-01 comirnaty FA5765 131016",
            "2 2021-06-22 comirnaty FA5765 131016"
        ]
    );
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(
        json["doses"][0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        [
            "date",
            "dose_number",
            "lot",
            "product",
            "vaccinating_municipality"
        ]
    );
}

#[test]
fn a_dose_dated_before_the_persons_birth_is_refused() {
    let (_dir, mut vrs) = fresh();
    let baby = format!(
        "{}131016,B1,{},0000000042,山田\u{3000}花子,ヤマダ\u{3000}ハナコ,2021-08-01,2\n",
        crate::support::HEADER,
        crate::support::my_number(4242)
    );
    let Answer::Done(o) = vrs
        .import_residents(p("municipality:131016"), baby.as_bytes(), None, false)
        .unwrap()
    else {
        panic!()
    };
    assert!(o.committed, "{:?}", o.errors);
    let got = register(
        &mut vrs,
        "site:131016",
        &entry("131016", 42, 1, "2021-06-01", "comirnaty", "FA5765"),
    );
    assert_eq!(
        got.map_err(|r| r.to_string()),
        Err("vaccination date 2021-06-01 is before the person's birth".to_owned())
    );
}

#[test]
fn t1_10_stopped_registration_export_and_statistics_are_refused_and_t1_2_3_gates_registration() {
    use vrs::consent::Function;
    let (dir, mut vrs) = with_residents(&["131016"], 2);
    let e = entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765");
    let op = p("operator");
    for f in [
        Function::Registration,
        Function::Export,
        Function::Statistics,
    ] {
        let Answer::Done(_) = vrs.emergency_stop(op, f, "test").unwrap() else {
            panic!()
        };
    }
    let Answer::Refused(r) = vrs.register_dose(p("site:131016"), &e).unwrap() else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-10"]);
    let Answer::Refused(r) = vrs
        .import_doses(
            p("site:131016"),
            "ocr_line,vaccine,lot,date\n".as_bytes(),
            None,
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-10"]);
    let out = dir.path().join("x.csv");
    let opts = ExportOptions {
        since: None,
        encoding: Encoding::Utf8,
        with_address_number: false,
        replace: false,
    };
    let Answer::Refused(r) = vrs
        .export_ledger(p("municipality:131016"), &out, opts)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-10"]);
    let Answer::Refused(r) = vrs
        .dose_statistics(p("national"), &StatQuery::default())
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-10"]);
    for f in [
        Function::Registration,
        Function::Export,
        Function::Statistics,
    ] {
        let Answer::Done(_) = vrs.emergency_resume(op, f).unwrap() else {
            panic!()
        };
    }
    register(&mut vrs, "site:131016", &e).unwrap();
    // A venue of a municipality that never consented to the terms registers nothing (T1-2-3).
    let Answer::Refused(r) = vrs.register_dose(p("site:271004"), &e).unwrap() else {
        panic!()
    };
    assert_eq!(r.provisions(), ["T1-2-3"]);
}

#[test]
fn a_corrected_date_must_keep_the_doses_in_order_and_the_interval() {
    let (_dir, mut vrs) = with_residents(&["131016"], 1);
    let site = "site:131016";
    let one = register(
        &mut vrs,
        site,
        &entry("131016", 1, 1, "2021-06-01", "comirnaty", "FA5765"),
    )
    .unwrap();
    let two = register(
        &mut vrs,
        site,
        &entry("131016", 1, 2, "2021-06-22", "comirnaty", "FA5765"),
    )
    .unwrap();
    let mine = p("municipality:131016");
    let on = |d: &str| Correction {
        date: Some(parse_dose_date(d).unwrap()),
        ..Correction::default()
    };
    for (what, id, date, want) in [
        (
            "dose 2 before dose 1",
            two.dose_id,
            "2021-05-20",
            Some("dose 2 would be out of order"),
        ),
        (
            "dose 1 on dose 2's day",
            one.dose_id,
            "2021-06-22",
            Some("dose 1 would be out of order"),
        ),
        (
            "dose 2 too soon",
            two.dose_id,
            "2021-06-10",
            Some("9 days after the previous dose"),
        ),
        ("dose 2 later", two.dose_id, "2021-07-01", None),
    ] {
        let Answer::Done(got) = vrs.correct_dose(mine, id, &on(date), what).unwrap() else {
            panic!()
        };
        match (got, want) {
            (Ok(d), None) => assert_eq!(d.date.to_string(), date, "{what}"),
            (Err(r), Some(w)) => assert!(r.to_string().starts_with(w), "{what}: {r}"),
            (got, want) => panic!("{what}: {got:?}, wanted {want:?}"),
        }
    }
}
