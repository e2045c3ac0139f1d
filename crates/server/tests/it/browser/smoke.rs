//! The harness itself: Chromium reaches the service, and reaches it again after
//! the service restarted on the same port.

use super::{Browser, Site};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_chromium_reads_the_service_before_and_after_a_restart_on_the_same_port() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let mut site = Site::start().await;
    browser.open(&site.url("/openapi.json")).await;
    let body = browser.text("body").await;
    assert!(body.contains("\"openapi\""), "{body}");
    let port = site.url("");
    site.down().await;
    site.up().await;
    assert_eq!(site.url(""), port, "the service came back on its port");
    browser.open(&site.url("/healthz")).await;
    let body = browser.text("body").await;
    assert!(!body.is_empty(), "healthz answered nothing");
    browser.close().await;
    site.down().await;
}
