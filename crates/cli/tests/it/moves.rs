//! Issue 15 through the binary: a person with two doses in 千代田区 moves to 札幌市,
//! which inquires for the vaccination ticket and records the answer; the person is
//! due the 3rd-dose ticket on the right day, the 3rd dose registered in 札幌市 is dose
//! 3, and 札幌市's certificate shows all three doses. Inquiries about a non-resident
//! or for marketing are refused and audited on both sides.

use crate::fixture;
use crate::support::{grant, human, init, vrs, write_file, Run, HEADER};

const MOVED_IN_HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n";

/// 黒桐 幹也 (the card fixture valid-kokuto) has two doses in 千代田区 and moved to
/// 札幌市 on 2021-12-15; 千代田区 consents to inquiry without consent (the addendum).
fn moved_person() -> tempfile::TempDir {
    let dir = init();
    let d = dir.path();
    grant(d, "131016", "addendum-2021-12-03");
    let f = write_file(
        d,
        "chiyoda.csv",
        &format!(
            "{HEADER}131016,A1,537686677188,0000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n"
        ),
    );
    ok(vrs(
        d,
        &["residents", "import", "--as", "municipality:131016", &f],
    ));
    for (ocr, date) in [
        ("111310160000000001", "2021-06-01"),
        ("121310160000000001", "2021-06-22"),
    ] {
        ok(register(d, "site:131016", ocr, date));
    }
    let f = write_file(
        d,
        "sapporo.csv",
        &format!(
            "{MOVED_IN_HEADER}011002,S77,537686677188,0000000101,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1,131016,令和3年12月15日\n"
        ),
    );
    ok(vrs(
        d,
        &["residents", "import", "--as", "municipality:011002", &f],
    ));
    dir
}

#[track_caller]
fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r
}

fn register(d: &std::path::Path, site: &str, ocr: &str, date: &str) -> Run {
    vrs(
        d,
        &[
            "doses",
            "register",
            "--as",
            site,
            "--ocr-line",
            ocr,
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            date,
        ],
    )
}

fn inquire(d: &std::path::Path, asking: &str, purpose: &str, record: bool) -> Run {
    let mut args = vec![
        "inquiry",
        "--as",
        asking,
        "--holder",
        "131016",
        "--my-number",
        "537686677188",
        "--purpose",
        purpose,
    ];
    if record {
        args.push("--record");
    }
    vrs(d, &args)
}

fn due(d: &std::path::Path, on: &str) -> Run {
    ok(vrs(
        d,
        &[
            "tickets",
            "due",
            "--as",
            "municipality:011002",
            "--dose",
            "3",
            "--on",
            on,
        ],
    ))
}

#[test]
fn a_moved_person_is_inquired_about_carried_over_due_a_third_ticket_and_certified_with_three_doses()
{
    let dir = moved_person();
    let d = dir.path();

    // 札幌市 asks for the ticket and records the answer as carried-over doses.
    let r = ok(inquire(
        d,
        "municipality:011002",
        "vaccination-ticket",
        true,
    ));
    assert_eq!(r.json["found"], true, "{}", r.stdout);
    assert_eq!(r.json["legal_basis"], serde_json::json!(["T2-1-1", "L13"]));
    let recorded: Vec<(u64, &str, &str)> = r.json["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["original_dose_number"].as_u64().unwrap(),
                x["date"].as_str().unwrap(),
                x["carry_over"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        recorded,
        [(1, "2021-06-01", "add"), (2, "2021-06-22", "add")]
    );
    // Asked again, nothing is added twice.
    let again = ok(inquire(
        d,
        "municipality:011002",
        "vaccination-ticket",
        true,
    ));
    assert!(again.json["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["carry_over"] == "already_held"));

    // `doses list` shows them as carried over from 千代田区 with their numbers.
    let list = ok(vrs(
        d,
        &[
            "doses",
            "list",
            "--as",
            "municipality:011002",
            "--address-number",
            "S77",
        ],
    ));
    let doses = list.json.as_array().unwrap();
    assert_eq!(doses.len(), 2, "{}", list.stdout);
    for (dose, n) in doses.iter().zip([1, 2]) {
        assert_eq!(dose["dose_number"], n);
        assert_eq!(dose["carried_over"]["from"], "131016");
        assert_eq!(dose["carried_over"]["original_dose_number"], n);
    }

    let people = human(
        d,
        &[
            "doses",
            "list",
            "--as",
            "municipality:011002",
            "--address-number",
            "S77",
        ],
    );
    assert!(
        people
            .stdout
            .contains("carried over from 131016 (its dose 2)"),
        "{}",
        people.stdout
    );

    // The 3rd-dose ticket: 8 months after 2021-06-22 under the rule in force in
    // February 2022 for people under 65; 7 months from March 2022.
    assert_eq!(due(d, "2022-02-21").json, serde_json::json!([]));
    assert_eq!(
        due(d, "2022-02-22").json,
        serde_json::json!([{
            "address_number": "S77",
            "ticket_number": "0000000101",
            "last_dose_date": "2021-06-22",
            "due_on": "2022-02-22"
        }])
    );
    assert_eq!(due(d, "2022-03-01").json[0]["due_on"], "2022-01-22");
    let people = human(
        d,
        &[
            "tickets",
            "due",
            "--as",
            "municipality:011002",
            "--dose",
            "3",
            "--on",
            "2022-03-01",
        ],
    );
    assert!(
        people
            .stdout
            .starts_with("1 resident is due the ticket for dose 3 (L13)"),
        "{}",
        people.stdout
    );
    assert!(people.stdout.contains("S77"), "{}", people.stdout);

    // The third dose registered in 札幌市 is dose 3, and no longer due.
    let third = ok(register(
        d,
        "site:011002",
        "130110020000000101",
        "2022-03-05",
    ));
    assert_eq!(third.json["dose_number"], 3, "{}", third.stdout);
    assert_eq!(due(d, "2022-12-01").json, serde_json::json!([]));

    // Carried-over doses are 千代田区's in the statistics, never counted twice.
    let stats = ok(vrs(
        d,
        &["stats", "--as", "municipality:011002", "--by", "dose"],
    ));
    let cells: Vec<(String, u64)> = stats.json["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", stats.stdout))
        .iter()
        .map(|r| {
            (
                r["dose"].as_str().unwrap_or_default().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cells, [("3".to_owned(), 1)], "{}", stats.stdout);

    // 札幌市's certificate shows all three doses.
    let out = d.join("cert");
    let cert = ok(vrs(
        d,
        &[
            "apply",
            "--municipality",
            "011002",
            "--card",
            &fixture("cards/valid-kokuto.json"),
            "--ca-keys",
            &fixture("cards/test-ca.json"),
            "--out",
            &out.display().to_string(),
        ],
    ));
    assert_eq!(cert.json["issuer"], "011002", "{}", cert.stdout);
    let verify = ok(vrs(
        d,
        &[
            "certificate",
            "verify",
            "--png",
            &out.join("certificate.png").display().to_string(),
        ],
    ));
    let dates: Vec<&str> = verify.json["doses"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", verify.stdout))
        .iter()
        .map(|x| x["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2021-06-01", "2021-06-22", "2022-03-05"]);
}

#[test]
fn a_dose_registered_before_the_inquiry_clashes_and_its_number_is_corrected_with_a_reason() {
    let dir = moved_person();
    let d = dir.path();
    let list = |d: &std::path::Path| {
        ok(vrs(
            d,
            &[
                "doses",
                "list",
                "--as",
                "municipality:011002",
                "--address-number",
                "S77",
            ],
        ))
    };
    // Registered before 札幌市 asked: with no history here it is numbered 1.
    let early = ok(register(
        d,
        "site:011002",
        "130110020000000101",
        "2022-03-05",
    ));
    assert_eq!(early.json["dose_number"], 1);
    let local = early.json["dose_id"].as_str().unwrap().to_owned();
    // The answer clashes with it: nothing is carried over, each clash is reported.
    let r = ok(inquire(
        d,
        "municipality:011002",
        "vaccination-ticket",
        true,
    ));
    let outcomes: Vec<(&str, u64)> = r.json["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["carry_over"].as_str().unwrap(),
                x["with_dose_number"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(outcomes, [("conflict", 1), ("conflict", 1)], "{}", r.stdout);
    assert_eq!(list(d).json.as_array().unwrap().len(), 1);
    let correct = |n: &str| {
        vrs(
            d,
            &[
                "doses",
                "correct",
                "--as",
                "municipality:011002",
                "--dose",
                &local,
                "--dose-number",
                n,
                "--reason",
                "third dose: the first two were given in 千代田区",
            ],
        )
    };
    ok(correct("3"));
    // Asked again, the earlier doses are carried over before it.
    let r = ok(inquire(
        d,
        "municipality:011002",
        "vaccination-ticket",
        true,
    ));
    assert!(
        r.json["recorded"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["carry_over"] == "add"),
        "{}",
        r.stdout
    );
    let numbers: Vec<(u64, &str)> = list(d)
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["dose_number"].as_u64().unwrap(),
                x["date"].as_str().unwrap(),
            )
        })
        .map(|(n, date)| {
            (
                n,
                if date == "2022-03-05" {
                    "local"
                } else {
                    "carried"
                },
            )
        })
        .collect();
    assert_eq!(numbers, [(1, "carried"), (2, "carried"), (3, "local")]);
    // Back to 1 is refused: a carried-over dose holds it.
    let held = correct("1");
    assert_eq!(held.code, 1, "{}", held.stdout);
    assert_eq!(held.json["rejection"]["rejected"], "dose_number_held");
    // The history keeps every version with its reason.
    let history = ok(vrs(
        d,
        &[
            "doses",
            "history",
            "--as",
            "municipality:011002",
            "--dose",
            &local,
        ],
    ));
    let versions = history.json.as_array().unwrap();
    let numbers: Vec<u64> = versions
        .iter()
        .map(|v| v["dose"]["dose_number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 3], "{}", history.stdout);
    assert_eq!(
        versions[1]["reason"],
        "third dose: the first two were given in 千代田区"
    );
}

#[test]
fn an_inquiry_about_a_non_resident_or_for_marketing_is_refused_and_audited_on_both_sides() {
    let dir = moved_person();
    let d = dir.path();
    grant(d, "131041", "terms-2021-12-03");
    // 新宿区 holds no such resident: M-8.
    let r = inquire(d, "municipality:131041", "vaccination-ticket", false);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.json["provisions"], serde_json::json!(["M-8", "T1-3-1-5"]));
    // 札幌市 asks about its resident, but for marketing: M-9.
    let r = inquire(d, "municipality:011002", "marketing", true);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.json["provisions"], serde_json::json!(["M-9", "M-8"]));
    // Nothing was recorded by the refused inquiry.
    let list = ok(vrs(
        d,
        &[
            "doses",
            "list",
            "--as",
            "municipality:011002",
            "--address-number",
            "S77",
        ],
    ));
    assert_eq!(list.json, serde_json::json!([]));
    for (trail, asker) in [
        ("131016", None),
        ("131041", Some("131041")),
        ("011002", Some("011002")),
    ] {
        let events = ok(vrs(
            d,
            &[
                "audit",
                "search",
                "--municipality",
                trail,
                "--action",
                "inquire",
            ],
        ));
        let refused: Vec<&serde_json::Value> = events
            .json
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["outcome"] == "refused")
            .collect();
        let want = if asker.is_some() { 1 } else { 2 };
        assert_eq!(refused.len(), want, "{trail}: {}", events.stdout);
        assert!(!events.stdout.contains("537686677188"));
    }
    let search = ok(vrs(
        d,
        &[
            "audit",
            "search",
            "--municipality",
            "011002",
            "--action",
            "inquire",
        ],
    ));
    assert!(search.stdout.contains("marketing"), "{}", search.stdout);
}
