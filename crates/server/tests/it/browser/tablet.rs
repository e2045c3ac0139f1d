//! The tablet screen in Chromium: pairing, the OCR line checked as typed, and
//! three doses registered while the service is unreachable that arrive exactly
//! once when it is back.

use vrs::domain::TicketNumber;
use vrs::{Answer, Lookup};

use super::{Browser, Site};

fn ocr(ticket: u64) -> String {
    format!("11131016{ticket:010}")
}

/// `vrs_http_requests_total` of `POST /api/v1/doses` with `status`, since the
/// service last started.
async fn dose_posts(site: &Site, status: u16) -> u64 {
    let text = reqwest::get(site.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let want = format!("route=\"/api/v1/doses\",method=\"POST\",status=\"{status}\"");
    text.lines()
        .filter(|l| l.starts_with("vrs_http_requests_total") && l.contains(&want))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_registers_three_doses_offline_and_they_arrive_exactly_once_when_it_is_back() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = Site::start().await;
    b.open(&site.url("/tablet")).await;
    // Pairing: the token is kept on the tablet.
    b.until(
        10,
        "the pairing form",
        "!document.getElementById('pair').hidden",
    )
    .await;
    b.fill("#token", &site.people.device).await;
    b.click("#pair-form button").await;
    b.until(
        5,
        "the entry form",
        "!document.getElementById('entry').hidden",
    )
    .await;
    b.until(
        10,
        "the municipality list kept on the tablet",
        "localStorage.getItem('vrs.tablet.municipalities')",
    )
    .await;
    b.until(
        10,
        "the service worker controlling the screen",
        "navigator.serviceWorker && navigator.serviceWorker.controller",
    )
    .await;

    // The OCR line is checked as typed: a wrong check digit is named, nothing is shown back.
    b.fill("#ocr", "111310170000000001").await;
    let status = b.text("#ocr-status").await;
    assert!(status.contains("検査数字"), "{status}");
    assert_eq!(b.text("#ticket-number").await, "—");
    b.fill("#ocr", &ocr(1)[..10]).await;
    assert!(b.text("#ocr-status").await.contains("あと8桁"));
    // A good line shows only what it says: the municipality's name and the ticket number.
    b.fill("#ocr", &ocr(1)).await;
    assert!(b.text("#ticket-municipality").await.contains("千代田区"));
    assert_eq!(b.text("#ticket-number").await, "0000000001");
    // A wrong line is not queued.
    b.fill("#ocr", "111310170000000001").await;
    b.click("#register").await;
    assert_eq!(
        b.eval("return document.querySelectorAll('#log-rows tr').length")
            .await,
        0
    );

    // Offline: the service is down; three doses are entered and queue on the tablet.
    site.down().await;
    b.fill("#lot", "FA5765").await;
    // Planted markup in the venue stays text on the tablet's list.
    b.fill("#venue", "<img src=x onerror=window.x=1>").await;
    b.eval("document.getElementById('date').value = '2021-06-01'; return null")
        .await;
    for t in 1..=3 {
        b.fill("#ocr", &ocr(t)).await;
        b.click("#register").await;
    }
    b.until(
        10,
        "three entries queued",
        "document.querySelectorAll('#log-rows tr[data-state=queued]').length === 3",
    )
    .await;
    assert!(b.text("#queue-status").await.contains("未送信 3"));
    // The screen opens without a connection (kept by its service worker), queue intact.
    b.open(&site.url("/tablet")).await;
    b.until(
        10,
        "the screen reopened offline with its queue",
        "document.querySelectorAll('#log-rows tr[data-state=queued]').length === 3",
    )
    .await;

    // Online again: every entry is sent, once.
    site.up().await;
    b.until(
        20,
        "three entries registered",
        "document.querySelectorAll('#log-rows tr[data-state=sent]').length === 3",
    )
    .await;
    assert_eq!(dose_posts(&site, 201).await, 3, "three registrations");
    assert_eq!(dose_posts(&site, 200).await, 0, "no entry was sent twice");
    let rows = b.text("#log-rows").await;
    assert!(
        rows.contains("第1回"),
        "the answers are kept on the tablet: {rows}"
    );
    // The day's list survives a reload of the page.
    b.open(&site.url("/tablet")).await;
    b.until(
        5,
        "the day's list after a reload",
        "document.querySelectorAll('#log-rows tr[data-state=sent]').length === 3",
    )
    .await;
    b.close().await;
    site.down().await;

    // The store holds one dose for each ticket.
    let mut vrs = site.open();
    let chiyoda = "municipality:131016".parse().unwrap();
    for t in 1..=3u64 {
        let ticket: TicketNumber = format!("{t:010}").parse().unwrap();
        let Answer::Done(doses) = vrs
            .list_doses(chiyoda, &Lookup::TicketNumber(ticket))
            .unwrap()
        else {
            panic!("refused")
        };
        assert_eq!(doses.len(), 1, "ticket {t}: {doses:?}");
    }
}
