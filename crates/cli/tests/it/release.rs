//! `vrs population import` and `vrs release` through the binary (issue 15, item 5):
//! the tables as CSV and JSON, coverage from the configured population, and small
//! cells suppressed across all tables of the release together (T1-4-6).

use crate::support::{init, vrs, write_file, Run, HEADER};

#[track_caller]
fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r
}

/// 12 residents of 千代田区 vaccinated on 2021-06-01 (6) and 2021-06-02 (6), and 3 of
/// 札幌市 on 2021-06-02; the population of both is configured.
fn vaccinated() -> tempfile::TempDir {
    let dir = init();
    let d = dir.path();
    for (code, n, site) in [
        ("131016", 12u64, "site:131016"),
        ("011002", 3, "site:011002"),
    ] {
        let mut residents = HEADER.to_owned();
        let mut doses = "OCRライン,ワクチン,ロット番号,接種日\n".to_owned();
        for i in 1..=n {
            let my_number =
                crate::support::valid_my_number(i * 1_000_000 + code.parse::<u64>().unwrap());
            residents.push_str(&format!(
                "{code},A{i},{my_number},{i:010},山田　太郎,ヤマダ　タロウ,1985-04-01,1\n"
            ));
            let date = if code == "131016" && i <= 6 {
                "2021-06-01"
            } else {
                "2021-06-02"
            };
            doses.push_str(&format!("11{code}{i:010},comirnaty,FA5765,{date}\n"));
        }
        let who = format!("municipality:{code}");
        let f = write_file(d, &format!("r-{code}.csv"), &residents);
        ok(vrs(d, &["residents", "import", "--as", &who, &f]));
        let f = write_file(d, &format!("d-{code}.csv"), &doses);
        ok(vrs(d, &["doses", "import", "--as", site, &f]));
    }
    let f = write_file(
        d,
        "population.csv",
        "自治体コード,年齢階級,人口\n131016,30-39,100\n011002,30-39,50\n",
    );
    ok(vrs(d, &["population", "import", "--as", "national", &f]));
    dir
}

#[test]
fn only_the_state_sets_the_population_and_a_bad_row_changes_nothing() {
    let dir = init();
    let d = dir.path();
    let good = write_file(
        d,
        "p.csv",
        "municipality_code,age_band,population\n131016,30-39,100\n",
    );
    let r = vrs(
        d,
        &["population", "import", "--as", "municipality:131016", &good],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.json["provisions"], serde_json::json!(["T1-4-4"]));
    let bad = write_file(
        d,
        "b.csv",
        "municipality_code,age_band,population\n131016,30-39,100\n131016,31-40,5\n",
    );
    let r = vrs(d, &["population", "import", "--as", "national", &bad]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json["errors"][0]["line"], 3);
    assert_eq!(r.json["errors"][0]["column"], "age_band");
    assert_eq!(
        ok(vrs(d, &["population", "import", "--as", "national", &good])).json["rows"],
        1
    );
}

#[test]
fn the_release_writes_every_table_as_csv_and_json_with_cross_table_suppression() {
    let dir = vaccinated();
    let d = dir.path();
    let out = d.join("release-2021-06-30");
    let out_s = out.display().to_string();
    let r = ok(vrs(
        d,
        &[
            "release",
            "--as",
            "national",
            "--date",
            "2021-06-30",
            "--out",
            &out_s,
        ],
    ));
    assert_eq!(r.json["min_cell_size"], 10);
    let files: Vec<(String, u64)> = r.json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = std::path::PathBuf::from(f["path"].as_str().unwrap());
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                f["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("by_day.csv".to_owned(), 2),
            ("by_day.json".to_owned(), 2),
            ("by_dose.csv".to_owned(), 1),
            ("by_dose.json".to_owned(), 1),
            ("by_prefecture.csv".to_owned(), 2),
            ("by_prefecture.json".to_owned(), 2),
            ("by_age_band.csv".to_owned(), 1),
            ("by_age_band.json".to_owned(), 1),
        ]
    );
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    // 6 and 9 a day are small, and so are their running totals (the total is by_dose's).
    assert_eq!(
        read("by_day.csv"),
        "date,dose_number,count,cumulative\n2021-06-01,1,,\n2021-06-02,1,,\n"
    );
    // 15 in all, 10% of the configured 150 people.
    assert_eq!(
        read("by_dose.csv"),
        "scope,dose_number,count,coverage_percent\nall,1,15,10\n"
    );
    // 札幌市's 3 is small, and 15 - 12 would give it: both prefectures are suppressed.
    assert_eq!(
        read("by_prefecture.csv"),
        "prefecture,dose_number,count,coverage_percent\n01,1,,\n13,1,,\n"
    );
    assert_eq!(
        read("by_age_band.csv"),
        "age_band,dose_number,count,coverage_percent\n30-39,1,15,10\n"
    );
    let json: serde_json::Value = serde_json::from_str(&read("by_prefecture.json")).unwrap();
    assert_eq!(json[1]["key"], "13");
    assert_eq!(json[1]["count"], serde_json::Value::Null);
    // A second release into the same directory needs --force.
    let again = vrs(
        d,
        &[
            "release",
            "--as",
            "national",
            "--date",
            "2021-06-30",
            "--out",
            &out_s,
        ],
    );
    assert_eq!(again.code, 2, "{}{}", again.stdout, again.stderr);
    // The holder's own release is exact.
    let own = d.join("own");
    ok(vrs(
        d,
        &[
            "release",
            "--as",
            "municipality:131016",
            "--date",
            "2021-06-30",
            "--out",
            &own.display().to_string(),
        ],
    ));
    assert_eq!(
        std::fs::read_to_string(own.join("by_day.csv")).unwrap(),
        "date,dose_number,count,cumulative\n2021-06-01,1,6,6\n2021-06-02,1,6,12\n"
    );
}
