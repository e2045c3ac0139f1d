//! A stop signal under load loses nothing: every dose answered 2xx is in the
//! store afterwards, and the audit chain verifies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use vrs::{Answer, Lookup};

use crate::support::{dose, file, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_under_load_loses_no_answered_dose_and_the_audit_chain_verifies() {
    let mut f = start().await;
    let token = f.sign_in(&f.clerk, -1).await;
    let r = f
        .client
        .post(f.url("/api/v1/residents/import"))
        .bearer_auth(&token)
        .body(file("131016", 300))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let client = f.client.clone();
    let url = Arc::new(f.url("/api/v1/doses"));
    let device = Arc::new(f.device.clone());
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for ticket in 1..=300u64 {
        let (client, url, device, ok) = (client.clone(), url.clone(), device.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url.as_str())
                .bearer_auth(device.as_str())
                .json(&dose("131016", ticket, 1, "2021-06-01"))
                .send()
                .await;
            match r {
                Ok(r) => {
                    ok.fetch_add(1, Ordering::SeqCst);
                    (ticket, Some(r.status().as_u16()))
                }
                Err(_) => (ticket, None),
            }
        }));
    }
    // Stop once some answers are out and the rest are in flight or queued.
    while ok.load(Ordering::SeqCst) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    f.stop.take().unwrap().send(()).unwrap();
    let mut answered = Vec::new();
    for t in tasks {
        let (ticket, status) = t.await.unwrap();
        if let Some(s) = status {
            assert!(s == 201 || s == 503, "ticket {ticket}: status {s}");
            if s == 201 {
                answered.push(ticket);
            }
        }
    }
    f.done.take().unwrap().await.unwrap().unwrap();
    assert!(!answered.is_empty(), "no dose was answered before the stop");

    let mut vrs = vrs::Vrs::open(&f.data_dir(), Box::new(vrs::SystemClock)).unwrap();
    let chiyoda = "municipality:131016".parse().unwrap();
    for ticket in &answered {
        let lookup = Lookup::TicketNumber(format!("{ticket:010}").parse().unwrap());
        let Answer::Done(doses) = vrs.list_doses(chiyoda, &lookup).unwrap() else {
            panic!("refused")
        };
        assert_eq!(
            doses.len(),
            1,
            "ticket {ticket} was answered 201 but is not stored"
        );
    }
    let audit = vrs.audit_verify().unwrap();
    assert!(audit.valid, "{audit:?}");
}
