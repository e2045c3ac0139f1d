//! `vrs vaccines list`, `vrs doses ...`, `vrs stats`: JSON contracts and exit codes.

use crate::support::{init, vrs, write_file, HEADER};

const RESIDENTS_131016: &str = "131016,A1,123456789018,0000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n\
                                131016,A2,537686677188,0000000002,両儀　式,リョウギ　シキ,1980-01-25,2\n";
const RESIDENTS_011002: &str =
    "011002,B1,000000000019,0000000001,山田　花子,ヤマダ　ハナコ,1990-05-05,2\n";

fn setup() -> tempfile::TempDir {
    let dir = init();
    for (who, rows, name) in [
        ("municipality:131016", RESIDENTS_131016, "a.csv"),
        ("municipality:011002", RESIDENTS_011002, "b.csv"),
    ] {
        let f = write_file(dir.path(), name, &format!("{HEADER}{rows}"));
        let r = vrs(dir.path(), &["residents", "import", "--as", who, &f]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    dir
}

#[test]
fn vaccines_list_prints_the_catalog_with_brand_cvx_and_interval() {
    let dir = tempfile::tempdir().unwrap();
    let r = vrs(dir.path(), &["vaccines", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = r.json.as_array().unwrap();
    let comirnaty = rows.iter().find(|p| p["id"] == "comirnaty").unwrap();
    for key in ["id", "maker", "brand", "cvx", "min_interval_days"] {
        assert!(!comirnaty[key].is_null(), "{key}");
    }
    assert_eq!(comirnaty["brand"], "コミナティ筋注");
    assert_eq!(comirnaty["cvx"], "208");
    assert_eq!(comirnaty["min_interval_days"], 21);
    assert!(rows.len() >= 20);
}

#[test]
fn register_on_behalf_then_list_correct_delete_and_history_through_the_binary() {
    let dir = setup();
    let d = dir.path();
    let reg = |who: &str, ocr: &str, vaccine: &str, date: &str| {
        vrs(
            d,
            &[
                "doses",
                "register",
                "--as",
                who,
                "--ocr-line",
                ocr,
                "--vaccine",
                vaccine,
                "--lot",
                "FA5765",
                "--date",
                date,
                "--venue",
                "千代田区役所",
                "--doctor",
                "山田一郎",
            ],
        )
    };
    let r = reg("site:131016", "110110020000000001", "208", "2021-06-01");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let id = r.json["dose_id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["municipality_code"], "011002");
    assert_eq!(r.json["dose_number"], 1);
    assert_eq!(r.json["on_behalf"], true);
    assert!(id.starts_with("011002-"), "{id}");
    // Exit codes: malformed OCR line 2, unissued ticket 1, unknown product 2.
    for (ocr, vaccine, code, what) in [
        ("11011002000000000", "208", 2, "short OCR line"),
        ("110110030000000001", "208", 2, "municipality check digit"),
        ("110110020000000009", "208", 1, "unissued ticket"),
        ("110110020000000001", "999", 2, "unknown product"),
    ] {
        let r = reg("site:131016", ocr, vaccine, "2021-06-01");
        assert_eq!(r.code, code, "{what}: {}{}", r.stdout, r.stderr);
    }
    // The registering site cannot list it.
    let r = vrs(
        d,
        &[
            "doses",
            "list",
            "--as",
            "site:131016",
            "--ticket-number",
            "0000000001",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.json["provisions"],
        serde_json::json!(["T1-4-3", "T1-5-1"])
    );
    // The residence municipality lists, corrects, deletes and reads the history.
    let r = vrs(
        d,
        &[
            "doses",
            "list",
            "--as",
            "municipality:011002",
            "--my-number",
            "000000000019",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json[0]["dose_id"], id.as_str());
    assert!(!r.stdout.contains("000000000019"));
    let r = vrs(
        d,
        &[
            "doses",
            "correct",
            "--as",
            "site:131016",
            "--dose",
            &id,
            "--lot",
            "FA5766",
            "--reason",
            "x",
        ],
    );
    assert_eq!(r.code, 1, "a site corrected: {}", r.stdout);
    let r = vrs(
        d,
        &[
            "doses",
            "correct",
            "--as",
            "municipality:011002",
            "--dose",
            &id,
            "--lot",
            "FA5766",
            "--reason",
            "lot misread",
        ],
    );
    assert_eq!(
        (r.code, r.json["version"].as_u64()),
        (0, Some(2)),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let r = vrs(
        d,
        &[
            "doses",
            "confirm",
            "--as",
            "municipality:011002",
            "--dose",
            &id,
        ],
    );
    assert_eq!(
        (r.code, r.json["confirmed"].as_bool()),
        (0, Some(true)),
        "{}",
        r.stderr
    );
    let r = vrs(
        d,
        &[
            "doses",
            "delete",
            "--as",
            "municipality:011002",
            "--dose",
            &id,
            "--reason",
            "wrong person",
        ],
    );
    assert_eq!(
        (r.code, r.json["status"].as_str()),
        (0, Some("entered_in_error")),
        "{}",
        r.stderr
    );
    let r = vrs(
        d,
        &[
            "doses",
            "history",
            "--as",
            "municipality:011002",
            "--dose",
            &id,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let changes: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["registered", "corrected", "confirmed", "deleted"]);
    assert_eq!(r.json[1]["reason"], "lot misread");
    assert_eq!(r.json[1]["changed_by"], "municipality:011002");
}

#[test]
fn bulk_import_review_export_and_stats_through_the_binary() {
    let dir = setup();
    let d = dir.path();
    let upload = write_file(
        d,
        "doses.csv",
        "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n\
         111310160000000001,comirnaty,FA5765,2021-06-01,区役所,医師A\n\
         111310160000000002,comirnaty,FA5765,2021-06-01,区役所,医師A\n\
         111310160000000001,comirnaty,FA5765,2021-06-22,区役所,医師A\n",
    );
    let r = vrs(d, &["doses", "import", "--as", "site:131016", &upload]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        (r.json["registered"].as_u64(), r.json["committed"].as_bool()),
        (Some(3), Some(true))
    );
    let bad = write_file(
        d,
        "bad.csv",
        "ocr_line,vaccine,lot,date\n111310160000000009,comirnaty,FA5765,2021-06-01\n",
    );
    let r = vrs(d, &["doses", "import", "--as", "site:131016", &bad]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json["errors"][0]["line"], 2);

    // The third row's ticket is for dose 1 but it is the person's dose 2: flagged.
    let r = vrs(d, &["doses", "review", "--as", "municipality:131016"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ticket is for dose 1"), "{}", r.stdout);
    let r = vrs(d, &["doses", "review", "--as", "site:131016"]);
    assert_eq!(r.code, 1);

    let out = d.join("ledger.csv");
    let r = vrs(
        d,
        &[
            "doses",
            "export",
            "--as",
            "municipality:131016",
            "--out",
            out.to_str().unwrap(),
            "--encoding",
            "cp932",
        ],
    );
    assert_eq!(
        (r.code, r.json["doses"].as_u64()),
        (0, Some(3)),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "cp932 expected");

    let r = vrs(
        d,
        &["stats", "--as", "national", "--by", "municipality,dose"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json["rows"],
        serde_json::json!([
            {"municipality": "131016", "dose": "1", "count": null, "suppressed": true},
            {"municipality": "131016", "dose": "2", "count": null, "suppressed": true},
        ])
    );
    let r = vrs(
        d,
        &[
            "stats",
            "--as",
            "municipality:131016",
            "--by",
            "dose,vaccine,age-band",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json["rows"][0],
        serde_json::json!({"dose": "1", "vaccine": "comirnaty", "age_band": "40-49", "count": 2, "suppressed": false})
    );
    for (args, code) in [
        (vec!["stats", "--as", "national", "--min-cell", "2"], 2),
        (vec!["stats", "--as", "national", "--by", "name"], 2),
        (vec!["stats", "--as", "site:131016"], 1),
        (
            vec!["stats", "--as", "prefecture:13", "--from", "2021-06-02"],
            0,
        ),
        (vec!["stats", "--as", "national", "--set-min-cell", "3"], 1),
        (vec!["stats", "--as", "operator", "--set-min-cell", "2"], 2),
        (vec!["stats", "--as", "operator", "--set-min-cell", "5"], 0),
    ] {
        let r = vrs(d, &args);
        assert_eq!(r.code, code, "{args:?}: {}{}", r.stdout, r.stderr);
    }
}
