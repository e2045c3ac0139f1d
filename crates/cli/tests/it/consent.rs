//! `vrs consent`, `vrs inquiry`, `vrs emergency`: the consent rules through the real binary.

use crate::support::{grant, init, init_without_consents, vrs, write_file, HEADER};

/// 千代田区 and 札幌市 consent to the terms; 札幌市 holds one resident, who moved to
/// 千代田区 with another person (an inquiry is only about the asker's residents, M-8).
fn with_holder() -> tempfile::TempDir {
    let dir = init();
    let file = write_file(
        dir.path(),
        "r.csv",
        &format!(
            "{HEADER}011002,A1,123456789018,0000000001,山田 太郎,ヤマダ タロウ,1980-02-17,1\n"
        ),
    );
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:011002", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let movers = write_file(
        dir.path(),
        "movers-in.csv",
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n\
         131016,M1,123456789018,0000000101,山田 太郎,ヤマダ タロウ,1980-02-17,1,011002,2021-12-01\n\
         131016,M2,537686677188,0000000102,山田 花子,ヤマダ ハナコ,1982-03-01,2,011002,2021-12-01\n",
    );
    let r = vrs(
        dir.path(),
        &[
            "residents",
            "import",
            "--as",
            "municipality:131016",
            &movers,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    dir
}

fn ask(dir: &std::path::Path, personal_consent: bool) -> crate::support::Run {
    let mut args = vec![
        "inquiry",
        "--as",
        "municipality:131016",
        "--holder",
        "011002",
        "--my-number",
        "123456789018",
    ];
    if personal_consent {
        args.push("--personal-consent");
    }
    vrs(dir, &args)
}

#[test]
fn t1_2_3_a_municipality_without_consent_cannot_import_and_is_told_why() {
    let dir = init_without_consents();
    let file = write_file(dir.path(), "r.csv", HEADER);
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json["provisions"], serde_json::json!(["T1-2-3"]));
    grant(dir.path(), "131016", "terms-2021-03");
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn n_4_inquiry_without_the_addendum_needs_the_checkbox() {
    let dir = with_holder();
    let r = ask(dir.path(), false);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.json["provisions"], serde_json::json!(["N-4", "T1-3-1-5"]));
    let r = ask(dir.path(), true);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.json,
        serde_json::json!({ "found": true, "legal_basis": ["T1-3-1-5"], "doses": [] })
    );
    assert!(!r.stdout.contains("123456789018"), "no My Number echo");
}

#[test]
fn t2_1_1_inquiry_with_the_holders_addendum_needs_no_checkbox_and_revoking_takes_effect_at_once() {
    let dir = with_holder();
    grant(dir.path(), "011002", "addendum-2021-12-03");
    let r = ask(dir.path(), false);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["legal_basis"], serde_json::json!(["T2-1-1", "L13"]));
    let r = ask(dir.path(), true);
    assert_eq!(
        r.json["legal_basis"],
        serde_json::json!(["T1-3-1-5", "T2-1-1", "L13"])
    );
    let revoke = vrs(
        dir.path(),
        &[
            "consent",
            "revoke",
            "--as",
            "municipality:011002",
            "--document",
            "addendum-2021-12-03",
        ],
    );
    assert_eq!(revoke.code, 0);
    assert_eq!(
        ask(dir.path(), false).code,
        1,
        "revocation must take effect at once"
    );
    // Revoking the terms closes the holder altogether (T1-2-3), checkbox or not.
    vrs(
        dir.path(),
        &[
            "consent",
            "revoke",
            "--as",
            "municipality:011002",
            "--document",
            "terms-2021-12-03",
        ],
    );
    let r = ask(dir.path(), true);
    assert_eq!(r.json["provisions"], serde_json::json!(["T1-2-3"]));
}

#[test]
fn both_audit_trails_record_each_inquiry_with_its_legal_basis() {
    let dir = with_holder();
    grant(dir.path(), "011002", "addendum-2021-12-03");
    assert_eq!(ask(dir.path(), false).code, 0);
    assert_eq!(ask(dir.path(), true).code, 0);
    for (trail, role) in [("011002", "provided"), ("131016", "asked")] {
        let r = vrs(
            dir.path(),
            &[
                "audit",
                "search",
                "--municipality",
                trail,
                "--action",
                "inquire",
            ],
        );
        let events = r.json.as_array().unwrap();
        assert_eq!(events.len(), 2, "{trail}: {}", r.stdout);
        assert_eq!(
            events[0]["grounds"],
            serde_json::json!(["T1-2-3", "M-9", "M-8", "T2-1-1", "L13"]),
            "{trail}"
        );
        assert_eq!(
            events[1]["grounds"],
            serde_json::json!(["T1-2-3", "M-9", "M-8", "T1-3-1-5", "T2-1-1", "L13"]),
            "{trail}"
        );
        assert!(
            events.iter().all(|e| e["detail"]["role"] == role),
            "{trail}"
        );
        assert!(!r.stdout.contains("123456789018"));
    }
}

#[test]
fn no_one_consents_for_a_municipality() {
    let dir = init();
    for who in ["operator", "municipality:131016", "national", "site:011002"] {
        // `consent grant` acts for the --as municipality only; anything else is refused.
        let r = vrs(
            dir.path(),
            &[
                "consent",
                "grant",
                "--as",
                who,
                "--document",
                "addendum-2021-12-03",
            ],
        );
        if who == "municipality:131016" {
            assert_eq!(r.code, 0, "{who}");
        } else {
            assert_eq!(r.code, 1, "{who}: {}", r.stdout);
            assert_eq!(
                r.json["provisions"],
                serde_json::json!(["N-2", "T2-2-2"]),
                "{who}"
            );
        }
    }
}

#[test]
fn consent_show_and_list_report_documents_dates_and_approvals() {
    let dir = init_without_consents();
    let r = vrs(
        dir.path(),
        &[
            "consent",
            "grant",
            "--as",
            "municipality:131016",
            "--document",
            "terms-2021-12-03",
            "--approved-by",
            "区長決裁 第42号",
            "--at",
            "2021-12-10",
        ],
    );
    assert_eq!(r.code, 0);
    let show = vrs(dir.path(), &["consent", "show", "131016"]);
    let docs = show.json["documents"].as_array().unwrap();
    let terms = docs
        .iter()
        .find(|d| d["document"] == "terms-2021-12-03")
        .unwrap();
    assert_eq!(terms["granted"], true);
    assert_eq!(terms["at"], "2021-12-10");
    assert_eq!(terms["approved_by"], "区長決裁 第42号");
    assert!(terms["implies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["provision"] == "T1-3-1-6"));
    let addendum = docs
        .iter()
        .find(|d| d["document"] == "addendum-2021-12-03")
        .unwrap();
    assert_eq!(addendum["granted"], false);
    let list = vrs(dir.path(), &["consent", "list", "--as", "operator"]);
    assert_eq!(list.json["count"], 1);
    let missing = vrs(
        dir.path(),
        &["consent", "list", "--as", "operator", "--missing"],
    );
    assert_eq!(missing.json["count"], 1746, "every other municipality");
    let missing_addendum = vrs(
        dir.path(),
        &[
            "consent",
            "list",
            "--as",
            "operator",
            "--document",
            "addendum-2021-12-03",
            "--missing",
        ],
    );
    assert_eq!(missing_addendum.json["count"], 1747);
    let not_operator = vrs(
        dir.path(),
        &["consent", "list", "--as", "municipality:131016"],
    );
    assert_eq!(not_operator.code, 1);
    assert_eq!(
        not_operator.json["provisions"],
        serde_json::json!(["T1-11-2"])
    );
}

#[test]
fn t1_10_an_emergency_stop_refuses_and_resume_restores() {
    let dir = with_holder();
    let stop = |who: &str, f: &str| {
        vrs(
            dir.path(),
            &[
                "emergency",
                "stop",
                "--as",
                who,
                "--function",
                f,
                "--reason",
                "test",
            ],
        )
    };
    assert_eq!(
        stop("municipality:131016", "inquiry").code,
        1,
        "only the operator stops"
    );
    assert_eq!(stop("operator", "inquiry").code, 0);
    let r = ask(dir.path(), true);
    assert_eq!(r.code, 1);
    assert_eq!(r.json["provisions"], serde_json::json!(["T1-10"]));
    let status = vrs(dir.path(), &["emergency", "status"]);
    assert_eq!(status.json["stopped"][0]["function"], "inquiry");
    // Audit verification stays available while stopped.
    assert_eq!(stop("operator", "all").code, 0);
    assert_eq!(vrs(dir.path(), &["audit", "verify"]).code, 0);
    assert_eq!(
        vrs(
            dir.path(),
            &["residents", "count", "--as", "municipality:011002"]
        )
        .code,
        1
    );
    for f in ["all", "inquiry"] {
        let r = vrs(
            dir.path(),
            &["emergency", "resume", "--as", "operator", "--function", f],
        );
        assert_eq!(r.code, 0);
    }
    assert_eq!(ask(dir.path(), true).code, 0);
}

#[test]
fn a_batch_inquiry_writes_a_result_csv_and_refuses_a_malformed_file_whole() {
    let dir = with_holder();
    let good = write_file(
        dir.path(),
        "movers.csv",
        "個人番号\n123456789018\n537686677188\n",
    );
    let out = dir.path().join("result.csv");
    let out_s = out.display().to_string();
    let r = vrs(
        dir.path(),
        &[
            "inquiry",
            "batch",
            "--as",
            "municipality:131016",
            "--holder",
            "011002",
            &good,
            "--out",
            &out_s,
            "--personal-consent",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        (r.json["asked"].clone(), r.json["found"].clone()),
        (2.into(), 1.into())
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text,
        "line,found,dose_number,date,vaccine,lot,vaccinating_municipality\n2,true,,,,,\n3,false,,,,,\n"
    );
    let bad = write_file(
        dir.path(),
        "bad.csv",
        "my_number\n123456789018\n123456789010\n",
    );
    let r = vrs(
        dir.path(),
        &[
            "inquiry",
            "batch",
            "--as",
            "municipality:131016",
            "--holder",
            "011002",
            &bad,
            "--personal-consent",
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(r.json["errors"][0]["line"], 3);
    let trail = vrs(
        dir.path(),
        &[
            "audit",
            "search",
            "--municipality",
            "011002",
            "--action",
            "inquire",
        ],
    );
    assert_eq!(
        trail.json.as_array().unwrap().len(),
        2,
        "the malformed batch asked nothing"
    );
}
