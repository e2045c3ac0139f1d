//! The output for people, command group by command group: snapshots of the
//! real binary's text without `--json` (times, temp paths and random key ids
//! replaced by placeholders), and for each group that `--json` still parses
//! and keeps its fields (the JSON is a contract).

use std::path::Path;

use expect_test::Expect;

use crate::support::{human, init, vrs, Run};

mod certificates;
mod operations;
mod records;

/// Text to replace before comparing: (what, placeholder).
pub(super) struct Redact(Vec<(String, &'static str)>);

impl Redact {
    pub(super) fn new(dir: &Path) -> Self {
        let today = chrono::Utc::now().with_timezone(&vrs::jst()).date_naive();
        let mut r = Self(vec![(dir.display().to_string(), "[DIR]")]);
        for d in [today, today.pred_opt().unwrap()] {
            r.0.push((d.format("%Y-%m-%d").to_string(), "YYYY-MM-DD"));
        }
        r
    }

    pub(super) fn add(&mut self, what: &str, placeholder: &'static str) {
        if !what.is_empty() {
            self.0.push((what.to_owned(), placeholder));
        }
    }

    /// The run as people see it: stdout, then stderr (if any), then the exit code.
    pub(super) fn apply(&self, run: &Run) -> String {
        let mut text = run.stdout.clone();
        if !run.stderr.is_empty() {
            text.push_str("--- stderr\n");
            text.push_str(&run.stderr);
        }
        text.push_str(&format!("--- exit {}\n", run.code));
        for (what, with) in &self.0 {
            text = text.replace(what.as_str(), with);
        }
        // `YYYY-MM-DD 16:08` → `YYYY-MM-DD hh:mm` (same widths: tables stay aligned).
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("YYYY-MM-DD ") {
            let (head, tail) = rest.split_at(i + "YYYY-MM-DD ".len());
            out.push_str(head);
            let b = tail.as_bytes();
            if b.len() >= 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&k| b[k].is_ascii_digit()) {
                out.push_str("hh:mm");
                rest = &tail[5..];
            } else {
                rest = tail;
            }
        }
        out.push_str(rest);
        out
    }
}

#[track_caller]
pub(super) fn check(dir: &Path, redact: &Redact, args: &[&str], expect: Expect) {
    let run = human(dir, args);
    assert!(
        !run.stdout.trim_start().starts_with('{') && !run.stdout.trim_start().starts_with('['),
        "{args:?} printed JSON without --json:\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "colour on a pipe: {args:?}");
    expect.assert_eq(&redact.apply(&run));
}

/// `--json` parses and holds every field named.
#[track_caller]
pub(super) fn json_has(dir: &Path, args: &[&str], fields: &[&str]) -> serde_json::Value {
    let run = vrs(dir, args);
    assert!(
        !run.json.is_null(),
        "{args:?}: --json did not parse:\n{}",
        run.stdout
    );
    let object = match &run.json {
        serde_json::Value::Array(items) => items.first().cloned().unwrap_or_default(),
        other => other.clone(),
    };
    for f in fields {
        assert!(
            object.get(f).is_some(),
            "{args:?}: --json lost the field {f}:\n{}",
            run.stdout
        );
    }
    run.json
}

pub(super) fn demo_file(name: &str) -> String {
    crate::fixture(&format!("demo/{name}"))
}

/// A data directory with 千代田区's 30 demo residents and two doses of the first.
pub(super) fn with_residents() -> (tempfile::TempDir, Redact) {
    let dir = init();
    let r = vrs(
        dir.path(),
        &[
            "residents",
            "import",
            "--as",
            "municipality:131016",
            &demo_file("residents-131016.csv"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    for (ocr, date) in [
        ("111310160000000001", "2021-06-01"),
        ("121310160000000001", "2021-06-22"),
    ] {
        let r = vrs(
            dir.path(),
            &[
                "doses",
                "register",
                "--as",
                "site:131016",
                "--ocr-line",
                ocr,
                "--vaccine",
                "comirnaty",
                "--lot",
                "FA5765",
                "--date",
                date,
                "--venue",
                "千代田区役所",
            ],
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let redact = Redact::new(dir.path());
    (dir, redact)
}

/// The first demo resident of 千代田区 (686561988020) and another person
/// (537686677188) moved to 札幌市: an inquiry is only about its residents (M-8).
pub(super) fn moved_to_sapporo(dir: &std::path::Path) {
    let f = crate::support::write_file(
        dir,
        "moved-in.csv",
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n\
         011002,M1,686561988020,0000800001,林　悠真,ハヤシ　ユウマ,1988-02-13,1,131016,2021-12-15\n\
         011002,M2,537686677188,0000800002,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1,131016,2021-12-15\n",
    );
    let r = vrs(
        dir,
        &["residents", "import", "--as", "municipality:011002", &f],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
