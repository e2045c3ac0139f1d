//! Item 7 of issue 10: parallel reads never fail with "database is locked".
//! Audited reads (`residents show`) go through the one writer with group
//! commit; plain data reads (issuer publication) run on read-only WAL
//! connections beside it. Both, mixed with registrations, all answer.

use crate::support::{dose, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_parallel_residents_show_with_registrations_and_issuer_reads_all_succeed() {
    let mut f = start().await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..4u64 {
        for i in 1..=16u64 {
            let client = f.client.clone();
            let url = f.url(&format!(
                "/api/v1/residents?municipality=131016&address_number=A{i}"
            ));
            let token = clerk.clone();
            tasks.spawn(async move {
                let r = client.get(url).bearer_auth(token).send().await.unwrap();
                let status = r.status().as_u16();
                let body = r.text().await.unwrap();
                (format!("show A{i} (round {round})"), status, body)
            });
            let client = f.client.clone();
            let url = f.url("/issuer/directory.json");
            tasks.spawn(async move {
                let r = client.get(url).send().await.unwrap();
                let status = r.status().as_u16();
                ("directory".to_owned(), status, r.text().await.unwrap())
            });
        }
        for i in 1..=4u64 {
            let ticket = round * 4 + i;
            let client = f.client.clone();
            let url = f.url("/api/v1/doses");
            let device = f.device.clone();
            tasks.spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(device)
                    .json(&dose("131016", ticket, 1, "2021-06-01"))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                (
                    format!("register {ticket}"),
                    status,
                    r.text().await.unwrap(),
                )
            });
        }
    }
    let mut shows = 0;
    while let Some(done) = tasks.join_next().await {
        let (what, status, body) = done.unwrap();
        assert!(!body.contains("locked"), "{what}: answered {status} {body}");
        let expected = if what.starts_with("register") {
            201
        } else {
            200
        };
        assert_eq!(status, expected, "{what}: {body}");
        shows += usize::from(what.starts_with("show"));
    }
    assert_eq!(shows, 64);
    f.stop().await;
    // Every read was audited (through the writer) and the chain verifies.
    let vrs = vrs::Vrs::open(&f.data_dir(), Box::new(vrs::SystemClock)).unwrap();
    let reads = vrs
        .audit_search(None, Some("read_resident"), None, 1000)
        .unwrap();
    assert_eq!(reads.len(), 64, "one audit event per residents show");
    assert!(vrs.audit_verify().unwrap().valid);
}

/// Residents `A21..` of 131016 and one dose each: a ledger of `n` more doses.
fn many_doses(vrs: &mut vrs::Vrs, n: u64) {
    let chiyoda: vrs::Principal = "municipality:131016".parse().unwrap();
    let mut residents = crate::support::HEADER.to_owned();
    let mut doses = "OCRライン,ワクチン,ロット番号,接種日,接種会場\n".to_owned();
    for i in 21..21 + n {
        residents.push_str(&crate::support::row("131016", i));
        doses.push_str(&format!(
            "11131016{i:010},comirnaty,FA5765,2021-06-01,区役所\n"
        ));
    }
    let vrs::Answer::Done(o) = vrs
        .import_residents(chiyoda, residents.as_bytes(), None, false)
        .unwrap()
    else {
        panic!("import refused")
    };
    assert!(o.committed, "{:?}", o.errors.first());
    let site: vrs::Principal = "site:131016".parse().unwrap();
    let vrs::Answer::Done(o) = vrs.import_doses(site, doses.as_bytes(), None).unwrap() else {
        panic!("dose upload refused")
    };
    assert!(o.errors.is_empty(), "{:?}", o.errors.first());
}

/// The ledger's spool file, once the export has begun writing it.
fn ledger_in_progress(data: &std::path::Path) -> bool {
    let Ok(entries) = std::fs::read_dir(data) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        e.file_name().to_string_lossy().starts_with(".ledger-")
            && std::fs::read_dir(e.path()).is_ok_and(|files| {
                files
                    .filter_map(Result::ok)
                    .any(|f| f.metadata().is_ok_and(|m| m.len() > 0))
            })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t1_5_1_a_registration_completes_while_a_large_ledger_download_is_being_written() {
    const DOSES: u64 = 60_000;
    let mut f = crate::support::start_with(|vrs| many_doses(vrs, DOSES)).await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    let client = f.client.clone();
    let url = f.url("/api/v1/ledger?encoding=cp932");
    let ledger = tokio::spawn(async move {
        let r = client.get(url).bearer_auth(clerk).send().await.unwrap();
        // The answer's head leaves only once the whole file is written and
        // its export audited.
        let answered = std::time::Instant::now();
        let status = r.status().as_u16();
        let doses = r
            .headers()
            .get("x-doses")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = r.bytes().await.unwrap();
        (status, doses, body.len(), answered)
    });
    // Wait until the export is writing its file, then register a dose.
    let data = f.data_dir();
    let began = std::time::Instant::now();
    while !ledger_in_progress(&data) {
        assert!(
            !ledger.is_finished(),
            "the ledger finished before it was seen writing"
        );
        assert!(began.elapsed().as_secs() < 60, "the ledger never began");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let (status, body) = f
        .post(
            &f.device,
            "/api/v1/doses",
            &dose("131016", 5, 1, "2021-06-02"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let registered = std::time::Instant::now();
    let (status, doses, bytes, answered) = ledger.await.unwrap();
    assert!(
        registered < answered,
        "the registration waited for the ledger export (it held the writer)"
    );
    assert_eq!(status, 200);
    // The export's snapshot: every seeded dose (the registration may or may
    // not be in it, as it committed while the export read).
    let doses: u64 = doses.unwrap().parse().unwrap();
    assert!((DOSES..=DOSES + 1).contains(&doses), "{doses}");
    assert!(bytes > 0);
    f.stop().await;
    // The export was audited with its count, and the chain verifies.
    let vrs = vrs::Vrs::open(&f.data_dir(), Box::new(vrs::SystemClock)).unwrap();
    let exports = vrs
        .audit_search(None, Some("export_ledger"), None, 10)
        .unwrap();
    assert_eq!(exports.len(), 1, "one audit event per export");
    assert!(vrs.audit_verify().unwrap().valid);
}
