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
