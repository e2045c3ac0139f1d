//! Every screen in Chromium, as each kind of user reaches it: each renders (its
//! heading is there and nothing planted as `<script>` ran), and when
//! `VRS_SCREENS_DIR` is set (`cargo xtask screens`) its screenshot is written
//! there as `NAME.png` (docs/screens/). A screen added to the service is added to
//! [`SCREENS`].

use std::path::PathBuf;

use super::harness::People;
use super::{Browser, Site};
use crate::support::User;

/// Who looks at a screen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anonymous,
    Clerk,
    National,
    Prefecture,
    Admin,
    Operator,
}

/// (file name, who, path, script run after loading (an action), what must then be true).
type Screen = (&'static str, Who, &'static str, &'static str, &'static str);

const SCREENS: &[Screen] = &[
    (
        "login",
        Who::Anonymous,
        "/login",
        "",
        "document.getElementById('login')",
    ),
    (
        "public-stats",
        Who::Anonymous,
        "/stats/public",
        "",
        "document.getElementById('national-daily')",
    ),
    (
        "verify",
        Who::Anonymous,
        "/verify",
        "",
        "document.getElementById('verify-form')",
    ),
    (
        "verify-valid",
        Who::Anonymous,
        "/verify",
        "VERIFY",
        "document.getElementById('result')",
    ),
    (
        "verify-invalid",
        Who::Anonymous,
        "/verify",
        "VERIFY_BAD",
        "document.getElementById('result')",
    ),
    (
        "tablet-pairing",
        Who::Anonymous,
        "/tablet",
        "localStorage.clear(); location.reload();",
        "!document.getElementById('pair').hidden",
    ),
    (
        "tablet",
        Who::Anonymous,
        "/tablet",
        "TABLET",
        "document.querySelectorAll('#log-rows tr[data-state=sent]').length === 2",
    ),
    (
        "not-found",
        Who::Anonymous,
        "/no-such-page",
        "",
        "document.querySelector('h1')",
    ),
    ("home", Who::Clerk, "/", "", "document.querySelector('h1')"),
    (
        "residents",
        Who::Clerk,
        "/residents",
        "",
        "document.querySelector('h1')",
    ),
    (
        "resident",
        Who::Clerk,
        "/residents/A1",
        "",
        "document.querySelector('h1')",
    ),
    (
        "upload",
        Who::Clerk,
        "/upload",
        "",
        "document.querySelector('h1')",
    ),
    // The staff screens (web-staff's list).
    (
        "resident-search",
        Who::Clerk,
        "/residents?kana=%E3%83%A4%E3%83%9E%E3%83%80&birth_date=1980-02-17",
        "",
        "document.querySelector('table')",
    ),
    (
        "resident-history",
        Who::Clerk,
        "/residents/A1",
        "document.querySelectorAll('details').forEach(d => d.open = true)",
        "document.querySelector('table.history')",
    ),
    (
        "upload-errors",
        Who::Clerk,
        "/upload",
        "UPLOAD_BAD",
        "document.querySelector('table.faults')",
    ),
    (
        "ledger",
        Who::Clerk,
        "/ledger",
        "",
        "document.getElementById('encoding')",
    ),
    (
        "inquiry",
        Who::Clerk,
        "/inquiry?holder=011002&purpose=vaccination-ticket",
        "",
        "document.getElementById('personal_consent')",
    ),
    (
        "counter",
        Who::Clerk,
        "/counter",
        "",
        "document.getElementById('address_number')",
    ),
    (
        "counter-certificate",
        Who::Clerk,
        "/counter",
        "document.getElementById('address_number').value = 'A2'; document.querySelector('form[action=\"/counter\"]').submit()",
        "document.querySelector('svg')",
    ),
    (
        "issuances",
        Who::Clerk,
        "/issuances",
        "",
        "document.querySelector('tbody tr')",
    ),
    (
        "consent",
        Who::Admin,
        "/consent",
        "",
        "document.querySelector('section.document')",
    ),
    (
        "users",
        Who::Admin,
        "/users",
        "",
        "document.getElementById('new-login')",
    ),
    (
        "audit",
        Who::Admin,
        "/audit",
        "",
        "document.querySelector('tbody tr')",
    ),
    (
        "forbidden",
        Who::Prefecture,
        "/residents/A1",
        "",
        "document.body.innerText.includes('T1-4-6')",
    ),
    (
        "operator-home",
        Who::Operator,
        "/",
        "",
        "document.getElementById('alerts-h')",
    ),
    (
        "operator",
        Who::Operator,
        "/operator",
        "",
        "document.getElementById('stop-reason')",
    ),
    (
        "dashboard-national",
        Who::National,
        "/stats",
        "",
        "document.getElementById('chart-day')",
    ),
    (
        "dashboard-prefecture",
        Who::Prefecture,
        "/stats",
        "",
        "document.getElementById('chart-day')",
    ),
];

fn user(people: &People, who: Who) -> Option<&User> {
    match who {
        Who::Anonymous => None,
        Who::Clerk => Some(&people.clerk),
        Who::National => Some(&people.national),
        Who::Prefecture => Some(&people.prefecture),
        Who::Admin => Some(&people.admin),
        Who::Operator => Some(&people.operator),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_renders_in_chromium_and_is_photographed_on_request() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let out = std::env::var_os("VRS_SCREENS_DIR").map(PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut site = Site::start().await;
    site.down().await;
    site.register(&[
        ("131016", 1, 12, "2021-06-01"),
        ("011002", 1, 3, "2021-06-01"),
        ("131016", 13, 5, "2021-06-02"),
        ("131016", 900001, 1, "2021-06-01"),
    ]);
    site.up().await;
    let qr = super::verify::issue(&site).await;
    b.client.set_window_size(1280, 1400).await.unwrap();
    let mut signed_in: Option<Who> = None;
    for &(name, who, path, action, ready) in SCREENS {
        if who != Who::Anonymous && signed_in != Some(who) {
            b.client.delete_all_cookies().await.unwrap();
            b.sign_in(&site, user(&site.people, who).unwrap()).await;
            signed_in = Some(who);
        }
        b.open(&site.url(path)).await;
        match action {
            "" => {}
            "VERIFY" | "VERIFY_BAD" => {
                let text = if action == "VERIFY" {
                    qr.clone()
                } else {
                    format!("{}9", &qr[..qr.len() - 1])
                };
                b.fill("#qr", &text).await;
                b.click("#verify").await;
            }
            "UPLOAD_BAD" => {
                let file =
                    std::env::temp_dir().join(format!("vrs-screens-{}.csv", std::process::id()));
                std::fs::write(
                    &file,
                    format!(
                        "{}{}",
                        crate::support::HEADER,
                        crate::support::row("131016", 41).replace("1980-02-17", "1980-02-30")
                    ),
                )
                .unwrap();
                b.fill("#file", file.to_str().unwrap()).await;
                b.click("form[action='/upload'] button[type=submit]").await;
                b.until(
                    15,
                    "the fault table",
                    "document.querySelector('table.faults')",
                )
                .await;
                let _ = std::fs::remove_file(&file);
            }
            "TABLET" => {
                b.eval(&format!(
                    "localStorage.clear(); localStorage.setItem('vrs.tablet.token', {}); location.reload(); return null",
                    serde_json::Value::String(site.people.device.clone())
                ))
                .await;
                b.until(
                    10,
                    "the entry form",
                    "!document.getElementById('entry').hidden",
                )
                .await;
                b.fill("#lot", "FA5765").await;
                b.fill("#venue", "千代田区役所 1階").await;
                for t in [14, 15] {
                    b.fill("#ocr", &format!("12131016{t:010}")).await;
                    b.click("#register").await;
                }
                b.fill("#ocr", "1213101600000").await;
            }
            script => {
                b.eval(&format!("{script}; return null")).await;
            }
        }
        b.until(15, name, ready).await;
        let title = b.eval("return document.title").await;
        assert!(
            // The printed certificate is the certificate crate's own page.
            name == "counter-certificate" || title.as_str().is_some_and(|t| t.contains("VRS")),
            "{name}: title {title}"
        );
        // No screen transfers more than 200 KB (the page and everything it loaded).
        let bytes = b
            .eval(
                "return performance.getEntriesByType('navigation')\
                   .concat(performance.getEntriesByType('resource'))\
                   .reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0)",
            )
            .await;
        let bytes = bytes.as_u64().unwrap_or(0);
        println!("screen {name}: {bytes} bytes transferred");
        assert!(bytes < 200 * 1024, "{name} transferred {bytes} bytes");
        if let Some(dir) = &out {
            std::fs::write(dir.join(format!("{name}.png")), b.screenshot().await).unwrap();
        }
    }
    b.close().await;
    site.down().await;
}
