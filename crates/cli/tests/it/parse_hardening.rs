//! Issue 13 (parser half) through the binary: physical line numbers on CRLF and
//! CR files, a stray quote that spoils only its line, batch answers on their own
//! rows, formula cells neutralised in the ledger, free text refused at entry.

use crate::support::{init, vrs, write_file, HEADER};

const RESIDENTS: &str =
    "131016,A1,123456789018,0000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n\
                         131016,A2,537686677188,0000000002,両儀　式,リョウギ　シキ,1980-01-25,2\n";

/// 千代田区 with two residents; the first has had one dose at venue `venue`.
fn with_a_dose(venue: &str, doctor: &str) -> tempfile::TempDir {
    let dir = init();
    let d = dir.path();
    let f = write_file(d, "r.csv", &format!("{HEADER}{RESIDENTS}"));
    let r = vrs(
        d,
        &["residents", "import", "--as", "municipality:131016", &f],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = vrs(
        d,
        &[
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000000001",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
            "--venue",
            venue,
            "--doctor",
            doctor,
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    dir
}

#[test]
fn a_batch_inquiry_on_crlf_and_cr_files_reports_each_dose_on_its_own_line() {
    let dir = with_a_dose("区役所", "医師A");
    let d = dir.path();
    // Both moved to 札幌市, which asks about its residents only (M-8).
    let movers = write_file(
        d,
        "movers-in.csv",
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n\
         011002,M1,123456789018,0000000101,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1,131016,2021-12-01\n\
         011002,M2,537686677188,0000000102,両儀　式,リョウギ　シキ,1980-01-25,2,131016,2021-12-01\n",
    );
    let r = vrs(
        d,
        &[
            "residents",
            "import",
            "--as",
            "municipality:011002",
            &movers,
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for (name, eol) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        // Line 2: a person with no dose; line 3 blank; line 4: the vaccinated person.
        let text = ["個人番号", "537686677188", "", "123456789018"].join(eol) + eol;
        let input = write_file(d, &format!("movers-{name}.csv"), &text);
        let out = d.join(format!("result-{name}.csv"));
        let r = vrs(
            d,
            &[
                "inquiry",
                "batch",
                "--as",
                "municipality:011002",
                "--holder",
                "131016",
                &input,
                "--out",
                out.to_str().unwrap(),
                "--personal-consent",
            ],
        );
        assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
        let result = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            result,
            "line,found,dose_number,date,vaccine,lot,vaccinating_municipality\n\
             2,true,,,,,\n\
             4,true,1,2021-06-01,comirnaty,FA5765,131016\n",
            "{name}"
        );
    }
}

#[test]
fn resident_import_reports_physical_lines_for_crlf_and_cr_files() {
    let dir = init();
    let d = dir.path();
    let bad = "131016,A3,123456789010,0000000003,山田　太郎,ヤマダ　タロウ,1990-01-01,1";
    let rows: Vec<&str> = RESIDENTS.lines().collect();
    for (name, eol) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        let text = [HEADER.trim_end(), rows[0], "", rows[1], bad].join(eol) + eol;
        let f = write_file(d, &format!("r-{name}.csv"), &text);
        let r = vrs(
            d,
            &["residents", "import", "--as", "municipality:131016", &f],
        );
        assert_eq!(r.code, 2, "{name}: {}", r.stdout);
        assert_eq!(r.json["errors"][0]["line"], 5, "{name}: {}", r.stdout);
        assert_eq!(r.json["errors"][0]["column"], "my_number", "{name}");
        assert!(!r.stdout.contains("123456789010"), "{}", r.stdout);
    }
}

#[test]
fn an_unterminated_quote_in_an_ignored_column_fails_the_dose_import_at_its_line() {
    let dir = with_a_dose("区役所", "医師A");
    let d = dir.path();
    let mut text = "OCRライン,ワクチン,ロット番号,接種日,備考\r\n".to_owned();
    text += "111310160000000002,comirnaty,FA5765,2021-06-01,\"note\r\n";
    for _ in 0..98 {
        text += "111310160000000002,comirnaty,FA5765,2021-06-01,ok\r\n";
    }
    let f = write_file(d, "doses.csv", &text);
    let r = vrs(d, &["doses", "import", "--as", "site:131016", &f]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.json["committed"], false, "{}", r.stdout);
    assert_eq!(r.json["errors"][0]["line"], 2, "{}", r.stdout);
    assert_eq!(
        r.json["errors"][0]["reason"], "unterminated quoted field",
        "{}",
        r.stdout
    );
}

#[test]
fn formula_cells_are_neutralised_in_the_ledger_export() {
    let dir = with_a_dose("=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)");
    let d = dir.path();
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
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'@SUM(A1)\","),
        "{text}"
    );
    for line in text.lines() {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} in {text}");
        }
    }
}

#[test]
fn free_text_with_control_bidi_or_zero_width_characters_is_refused_naming_the_field() {
    let dir = with_a_dose("区役所", "医師A");
    let d = dir.path();
    for (flag, value, field) in [
        ("--venue", "会場\u{202E}A", "venue"),
        ("--venue", "会場\tA", "venue"),
        ("--doctor", "山\u{200B}田", "doctor"),
    ] {
        let mut args = vec![
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000000002",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
        ];
        args.extend([flag, value]);
        let r = vrs(d, &args);
        assert_eq!(r.code, 2, "{value:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(field) || r.stdout.contains(field),
            "{value:?}: {}{}",
            r.stdout,
            r.stderr
        );
    }
}
