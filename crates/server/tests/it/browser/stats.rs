//! The statistics screens in Chromium: the public page without sign-in, with the
//! national and per-prefecture daily totals suppressed together, its downloads,
//! and the State's dashboard with its charts.

use super::{Browser, Site};

/// 2021-06-01: 12 doses in 千代田区 (13) and 3 in 札幌市 (01), 15 nationally;
/// 2021-06-02: 5 in 千代田区, a small national total.
async fn site_with_doses() -> Site {
    let mut site = Site::start().await;
    site.down().await;
    site.register(&[
        ("131016", 1, 12, "2021-06-01"),
        ("011002", 1, 3, "2021-06-01"),
        ("131016", 13, 5, "2021-06-02"),
    ]);
    site.up().await;
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_4_6_the_public_page_shows_daily_totals_with_small_cells_suppressed_across_both_tables()
{
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = site_with_doses().await;
    b.open(&site.url("/stats/public")).await;
    let national = b.text("#national-daily tbody").await;
    let lines: Vec<&str> = national.lines().collect();
    assert_eq!(lines.len(), 2, "{national}");
    assert!(
        lines[0].starts_with("2021-06-01") && lines[0].contains("15"),
        "{national}"
    );
    assert!(
        lines[1].starts_with("2021-06-02") && lines[1].contains("秘匿"),
        "{national}"
    );
    // Day 1: 札幌's 3 is small, so Tokyo's 12 goes too (15 - 12 would give 3).
    let prefectures = b.text("#prefecture-daily tbody").await;
    assert!(
        !prefectures.contains("12") && !prefectures.contains(" 3"),
        "{prefectures}"
    );
    assert!(
        prefectures.contains("北海道") && prefectures.contains("東京都"),
        "{prefectures}"
    );
    assert_eq!(
        b.eval("return document.querySelectorAll('#chart-national rect').length")
            .await,
        2,
        "one bar per day"
    );
    // Downloads: the same numbers, suppressed cells empty.
    let csv = reqwest::get(site.url("/stats/public/download/prefecture_daily.csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        "date,prefecture,count\n2021-06-01,01,\n2021-06-01,13,\n2021-06-02,13,\n"
    );
    let json: serde_json::Value =
        reqwest::get(site.url("/stats/public/download/national_daily.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(json[0]["count"], 15);
    assert!(json[1]["count"].is_null());
    // The page runs no inline script.
    let r = reqwest::get(site.url("/stats/public")).await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    b.close().await;
    site.down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_states_dashboard_draws_every_table_and_offers_each_as_csv_and_json() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut site = site_with_doses().await;
    b.sign_in(&site, &site.people.national).await;
    b.open(&site.url("/stats")).await;
    for chart in ["chart-day", "chart-dose", "chart-age", "chart-prefecture"] {
        let n = b
            .eval(&format!(
                "return document.querySelectorAll('#{chart} rect').length"
            ))
            .await;
        assert!(n.as_u64().unwrap() >= 1, "{chart}: {n}");
    }
    let by_day = b.text("#table-by-day tbody").await;
    assert!(by_day.contains("秘匿"), "{by_day}");
    for table in ["by_day", "by_dose", "by_age_band", "by_prefecture"] {
        for ext in ["csv", "json"] {
            let href = format!("/stats/download/{table}.{ext}");
            let found = b
                .eval(&format!(
                    "return !!document.querySelector('a[href=\"{href}\"]')"
                ))
                .await;
            assert_eq!(found, true, "no link to {href}");
        }
    }
    // A download in the signed-in browser: the CSV of the daily table.
    let csv = b
        .eval("return fetch('/stats/download/by_day.csv').then(r => r.text())")
        .await;
    assert!(
        csv.as_str()
            .unwrap()
            .starts_with("date,dose_number,count,cumulative\n"),
        "{csv}"
    );
    b.close().await;
    site.down().await;
}
