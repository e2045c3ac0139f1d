//! The prefecture's dashboard over HTTP (issue 11): its municipalities' table,
//! suppressed by vrs-consent's rule like every other table, drawn as a chart
//! and downloadable as CSV and JSON; the State's dashboard stays by prefecture.

use vrs::consent::DocumentId;
use vrs::domain::DoseEntry;
use vrs::{Answer, Vrs};

use crate::support::{file, start_with};
use crate::web::Web;

/// 千代田区 (131016) gives 12 first doses and 中央区 (131024) 3, both in Tokyo.
fn two_tokyo_wards(vrs: &mut Vrs) {
    let chuo: vrs::Principal = "municipality:131024".parse().unwrap();
    let Answer::Done(_) = vrs
        .grant_consent(chuo, None, DocumentId::Terms20211203, None, Some("test"))
        .unwrap()
    else {
        panic!("131024 could not consent")
    };
    let Answer::Done(o) = vrs
        .import_residents(chuo, file("131024", 3).as_bytes(), None, false)
        .unwrap()
    else {
        panic!("131024 could not import")
    };
    assert!(o.committed, "{:?}", o.errors);
    for (m, n) in [("131016", 12u64), ("131024", 3)] {
        let site: vrs::Principal = format!("site:{m}").parse().unwrap();
        for t in 1..=n {
            let entry = DoseEntry {
                ocr: format!("11{m}{t:010}").parse().unwrap(),
                product: "comirnaty".parse().unwrap(),
                lot: "FA5765".parse().unwrap(),
                date: "2021-06-01".parse().unwrap(),
                venue: None,
                doctor: None,
            };
            let Answer::Done(Ok(_)) = vrs.register_dose(site, &entry).unwrap() else {
                panic!("{m} ticket {t} was not registered")
            };
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_4_6_a_prefecture_sees_its_municipalities_suppressed_together_with_charts_and_downloads()
{
    let mut f = start_with(two_tokyo_wards).await;
    let tokyo = Web::sign_in(&f, &f.prefecture, 0).await;
    let (status, html) = tokyo.get("/stats").await;
    assert_eq!(status, 200, "{html}");
    let at = html
        .find("id=\"table-by-municipality\"")
        .expect("no table by municipality");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    assert!(
        table.contains("千代田区") && table.contains("中央区"),
        "{table}"
    );
    // 中央区's 3 is small; 千代田区's 12 goes with it, or 15 - 12 would give 3.
    assert!(!table.contains(">12<") && !table.contains(">3<"), "{table}");
    assert_eq!(table.matches("class=\"suppressed\"").count(), 2, "{table}");
    assert!(html.contains("id=\"chart-municipality\""), "no chart");
    // The dose total itself is published.
    assert!(html.contains(">15<"), "the total of 15 is not shown");
    for ext in ["csv", "json"] {
        let href = format!("/stats/download/by_municipality.{ext}");
        assert!(
            html.contains(&format!("href=\"{href}\"")),
            "no link to {href}"
        );
    }
    let (status, csv) = tokyo.get("/stats/download/by_municipality.csv").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(
        csv,
        "municipality,dose_number,count,coverage_percent\n131016,1,,\n131024,1,,\n"
    );
    let (status, json) = tokyo.get("/stats/download/by_municipality.json").await;
    assert_eq!(status, 200, "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
    assert!(
        json[0]["count"].is_null() && json[1]["count"].is_null(),
        "{json}"
    );

    // The State's dashboard is by prefecture: no table by municipality.
    let state = Web::sign_in(&f, &f.national, 0).await;
    let (status, html) = state.get("/stats").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        !html.contains("table-by-municipality"),
        "the State got municipalities"
    );
    assert!(html.contains("chart-prefecture"));
    let (status, _) = state.get("/stats/download/by_municipality.csv").await;
    assert_eq!(status, 404);
    f.stop().await;
}
