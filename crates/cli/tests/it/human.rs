//! The output for people, command group by command group: snapshots of the
//! real binary's text without `--json` (times, temp paths and random key ids
//! replaced by placeholders), and for each group that `--json` still parses
//! and keeps its fields (the JSON is a contract).

use std::path::Path;

use expect_test::{expect, Expect};

use crate::support::{grant, human, init, init_without_consents, vrs, Run};

/// Text to replace before comparing: (what, placeholder).
struct Redact(Vec<(String, &'static str)>);

impl Redact {
    fn new(dir: &Path) -> Self {
        let today = chrono::Utc::now().with_timezone(&vrs::jst()).date_naive();
        let mut r = Self(vec![(dir.display().to_string(), "[DIR]")]);
        for d in [today, today.pred_opt().unwrap()] {
            r.0.push((d.format("%Y-%m-%d").to_string(), "YYYY-MM-DD"));
        }
        r
    }

    fn add(&mut self, what: &str, placeholder: &'static str) {
        if !what.is_empty() {
            self.0.push((what.to_owned(), placeholder));
        }
    }

    /// The run as people see it: stdout, then stderr (if any), then the exit code.
    fn apply(&self, run: &Run) -> String {
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
fn check(dir: &Path, redact: &Redact, args: &[&str], expect: Expect) {
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
fn json_has(dir: &Path, args: &[&str], fields: &[&str]) -> serde_json::Value {
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

fn demo_file(name: &str) -> String {
    crate::fixture(&format!("demo/{name}"))
}

/// A data directory with 千代田区's 30 demo residents and two doses of the first.
fn with_residents() -> (tempfile::TempDir, Redact) {
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

#[test]
fn init_says_what_it_made() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let redact = Redact::new(&dir);
    check(
        &dir,
        &redact,
        &["init"],
        expect![[r#"
            data directory [DIR] is ready
            new keyring:        yes
            migrations applied: 1, 2, 3, 4, 5, 6
            schema version:     6
            issuer base URL:    https://vrs.example.jp/issuer
            --- exit 0
        "#]],
    );
    json_has(
        &dir,
        &["init"],
        &[
            "data_dir",
            "created_keyring",
            "applied_migrations",
            "schema_version",
            "issuer_base_url",
        ],
    );
}

#[test]
fn consent_group_reads_as_sentences_and_tables() {
    let dir = init_without_consents();
    let redact = Redact::new(dir.path());
    check(
        dir.path(),
        &redact,
        &[
            "consent",
            "grant",
            "--as",
            "operator",
            "--document",
            "terms-2021-12-03",
        ],
        expect![[r#"
            --- stderr
            refused: N-2 (本文 2) operator cannot consent for a municipality: each municipality consents for itself
            refused: T2-2-2 (別紙2 第2条第2項) consent is given through the municipality's own use of the consent function
            --- exit 1
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "consent",
            "grant",
            "--as",
            "municipality:131016",
            "--document",
            "terms-2021-12-03",
            "--approved-by",
            "区長決裁",
        ],
        expect![[r#"
            131016 千代田区: may use VRS (T1-2-3: consent to a version of the terms of use)

            DOCUMENT             GRANTED  FROM        APPROVED BY  RECORDED
            terms-2021-03        no       -           -            -
            terms-2021-12-03     yes      YYYY-MM-DD  区長決裁     YYYY-MM-DD hh:mm
            addendum-2021-12-03  no       -           -            -

            What the consents in force imply:
            DOCUMENT          PROVISION                         MEANING
            terms-2021-12-03  T1-2-3 (別紙1 第2条第3項)         the municipality may use VRS
            terms-2021-12-03  T1-3-1-5 (別紙1 第3条第1項第5号)  provides its records to an inquiring municipality that confirmed the person's consent
            terms-2021-12-03  T1-3-1-6 (別紙1 第3条第1項第6号)  lets vaccination-site municipalities register doses on its behalf
            terms-2021-12-03  T1-4-4 (別紙1 第4条第4項)         its data is turned into statistics for the State and prefectures
            terms-2021-12-03  T1-4-1 (別紙1 第4条第1項)         certificates may be issued electronically through the app (N-1)

            History (nothing is erased):
            CHANGE  DOCUMENT          FROM        APPROVED BY  RECORDED
            grant   terms-2021-12-03  YYYY-MM-DD  区長決裁     YYYY-MM-DD hh:mm
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["consent", "list", "--as", "operator"],
        expect![[r#"
            1 municipality has consented
            CODE    NAME      DOCUMENTS
            131016  千代田区  terms-2021-12-03
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["consent", "show", "131016"],
        &[
            "municipality",
            "name",
            "may_use_vrs",
            "documents",
            "history",
        ],
    );
    json_has(
        dir.path(),
        &["consent", "list", "--as", "operator"],
        &["count", "municipalities"],
    );
}

#[test]
fn residents_group_masks_the_my_number_and_reports_bad_rows() {
    let (dir, redact) = with_residents();
    check(
        dir.path(),
        &redact,
        &[
            "residents",
            "show",
            "--as",
            "municipality:131016",
            "--address-number",
            "A000000001",
        ],
        expect![[r#"
            name:           林　悠真
            kana:           ハヤシ　ユウマ
            birth date:     1988-02-13
            sex:            male
            municipality:   131016 千代田区
            address number: A000000001
            ticket number:  0000000001
            My Number:      ************ (masked)
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["residents", "count", "--as", "municipality:131016"],
        expect![[r#"
            131016 千代田区 holds 30 residents
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "residents",
            "count",
            "--as",
            "national",
            "--municipality",
            "131016",
        ],
        expect![[r#"
            --- stderr
            refused: T1-4-6 (別紙1 第4条第6項) the State may use statistics only and cannot access person-level data
            --- exit 1
        "#]],
    );
    let bad = crate::support::write_file(
        dir.path(),
        "bad.csv",
        &format!(
            "{}131016,Z1,123456789010,0000099999,山田 太郎,ヤマダ タロウ,平成元年1月7日,1\n",
            crate::support::HEADER
        ),
    );
    check(
        dir.path(),
        &redact,
        &["residents", "import", "--as", "municipality:131016", &bad],
        expect![[r#"
            --- stderr
            error: 2 bad values; nothing was imported
            LINE  COLUMN      REASON
            2     my_number   check digit does not match
            2     birth_date  not a day of the 平成 era
            --- exit 2
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "residents",
            "import",
            "--as",
            "municipality:131016",
            "--dry-run",
            &demo_file("residents-131016.csv"),
        ],
        expect![[r#"
            would import 0 new, 0 updated, 30 unchanged (dry run: nothing was changed)
            --- exit 0
        "#]],
    );
    let shown = human(
        dir.path(),
        &[
            "residents",
            "show",
            "--as",
            "municipality:131016",
            "--address-number",
            "A000000001",
        ],
    );
    assert!(!shown.stdout.contains("686561988020"), "{}", shown.stdout);
    json_has(
        dir.path(),
        &[
            "residents",
            "show",
            "--as",
            "municipality:131016",
            "--address-number",
            "A000000001",
        ],
        &[
            "municipality_code",
            "address_number",
            "ticket_number",
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "my_number",
        ],
    );
    json_has(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &bad],
        &["imported", "updated", "unchanged", "dry_run", "errors"],
    );
    json_has(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
        &["count"],
    );
}

#[test]
fn doses_group_lists_in_tables_and_refuses_on_stderr() {
    let (dir, mut redact) = with_residents();
    check(
        dir.path(),
        &redact,
        &[
            "doses",
            "list",
            "--as",
            "municipality:131016",
            "--ticket-number",
            "0000000001",
        ],
        expect![[r#"
            DOSE ID   NO.  DATE        VACCINE    LOT     VENUE         STATUS  VERSION
            131016-1  1    2021-06-01  comirnaty  FA5765  千代田区役所  active  1
            131016-2  2    2021-06-22  comirnaty  FA5765  千代田区役所  active  1
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "doses",
            "correct",
            "--as",
            "municipality:131016",
            "--dose",
            "131016-1",
            "--lot",
            "FA5766",
            "--reason",
            "misread",
        ],
        expect![[r#"
            dose:          131016-1
            ticket number: 0000000001
            dose number:   1
            date:          2021-06-01
            vaccine:       comirnaty (コミナティ筋注)
            lot:           FA5766
            venue:         千代田区役所
            doctor:        -
            vaccinated in: 131016 千代田区
            registered:    YYYY-MM-DD hh:mm by site:131016
            status:        active
            version:       2
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "doses",
            "history",
            "--as",
            "municipality:131016",
            "--dose",
            "131016-1",
        ],
        expect![[r#"
            VERSION  CHANGE      WHEN              BY                   REASON   DATE        VACCINE    LOT
            1        registered  YYYY-MM-DD hh:mm  site:131016          -        2021-06-01  comirnaty  FA5765
            2        corrected   YYYY-MM-DD hh:mm  municipality:131016  misread  2021-06-01  comirnaty  FA5766
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000009999",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
        ],
        expect![[r#"
            --- stderr
            refused: ticket number 0000009999 was not issued to any resident of 131016
            --- exit 1
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["doses", "review", "--as", "municipality:131016"],
        expect![[r#"
            1 dose flagged for a check:
            DOSE ID   DATE        VACCINE    LOT     ON BEHALF  WHY
            131016-1  2021-06-01  comirnaty  FA5766  no         lot FA5765 was not known for comirnaty before
            --- exit 0
        "#]],
    );
    let ledger = dir.path().join("ledger.csv");
    redact.add(&ledger.display().to_string(), "[LEDGER]");
    check(
        dir.path(),
        &redact,
        &[
            "doses",
            "export",
            "--as",
            "municipality:131016",
            "--out",
            &ledger.display().to_string(),
        ],
        expect![[r#"
            wrote 2 doses (utf-8, 307 bytes) to [DIR]/ledger.csv
            --- exit 0
        "#]],
    );
    let list = json_has(
        dir.path(),
        &[
            "doses",
            "list",
            "--as",
            "municipality:131016",
            "--ticket-number",
            "0000000001",
        ],
        &[
            "dose_id",
            "ticket_number",
            "dose_number",
            "date",
            "vaccine",
            "lot",
            "venue",
            "doctor",
            "vaccinating_municipality",
            "registered_at",
            "registered_by",
            "on_behalf",
            "status",
            "confirmed",
            "version",
        ],
    );
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    json_has(
        dir.path(),
        &[
            "doses",
            "history",
            "--as",
            "municipality:131016",
            "--dose",
            "131016-1",
        ],
        &[
            "version",
            "change",
            "changed_at",
            "changed_by",
            "reason",
            "dose",
        ],
    );
    json_has(
        dir.path(),
        &[
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000009999",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
        ],
        &["refused", "reason", "rejection"],
    );
}

#[test]
fn stats_and_the_operator_setting_read_as_tables() {
    let (dir, redact) = with_residents();
    check(
        dir.path(),
        &redact,
        &["stats", "--as", "national", "--by", "vaccine,dose"],
        expect![[r#"
            doses counted for national; counts below 10 are suppressed (T1-4-6)
            VACCINE    DOSE  COUNT
            comirnaty  1     suppressed
            comirnaty  2     suppressed
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["stats", "--as", "municipality:131016", "--by", "dose"],
        expect![[r#"
            doses counted for municipality:131016; exact counts
            DOSE  COUNT
            1     1
            2     1
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["stats", "--as", "operator", "--set-min-cell", "5"],
        expect![[r#"
            the State's and prefectures' statistics now suppress counts below 5 (T1-4-6)
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["stats", "--as", "national", "--by", "vaccine,dose"],
        &["scope", "min_cell_size", "rows"],
    );
}

#[test]
fn inquiry_and_emergency_stop_cite_their_provisions() {
    let (dir, redact) = with_residents();
    grant(dir.path(), "131016", "addendum-2021-12-03");
    let ask = [
        "inquiry",
        "--as",
        "municipality:011002",
        "--holder",
        "131016",
        "--my-number",
        "686561988020",
    ];
    check(
        dir.path(),
        &redact,
        &ask,
        expect![[r#"
            131016 千代田区 holds this person: 2 doses (legal basis T2-1-1 (別紙2 第1条第1項), L13 (別紙13))
            NO.  DATE        VACCINE    LOT     VACCINATED IN
            1    2021-06-01  comirnaty  FA5765  131016
            2    2021-06-22  comirnaty  FA5765  131016
            --- exit 0
        "#]],
    );
    let stopped = human(dir.path(), &ask).stdout;
    assert!(!stopped.contains("686561988020"), "{stopped}");
    check(
        dir.path(),
        &redact,
        &[
            "emergency",
            "stop",
            "--as",
            "operator",
            "--function",
            "inquiry",
            "--reason",
            "suspected misuse",
        ],
        expect![[r#"
            stopped (T1-10):
            FUNCTION  SINCE             REASON
            inquiry   YYYY-MM-DD hh:mm  suspected misuse
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &ask,
        expect![[r#"
            --- stderr
            refused: T1-10 (別紙1 第10条) the function inquiry is under an emergency stop
            --- exit 1
        "#]],
    );
    json_has(dir.path(), &["emergency", "status"], &["stopped"]);
    json_has(dir.path(), &ask, &["refused", "grounds", "provisions"]);
    check(
        dir.path(),
        &redact,
        &[
            "emergency",
            "resume",
            "--as",
            "operator",
            "--function",
            "inquiry",
        ],
        expect![[r#"
            no function is stopped
            --- exit 0
        "#]],
    );
    json_has(dir.path(), &ask, &["found", "legal_basis", "doses"]);
}

#[test]
fn audit_and_backup_say_whether_they_verify() {
    let (dir, mut redact) = with_residents();
    check(
        dir.path(),
        &redact,
        &["audit", "verify"],
        expect![[r#"
            valid: the audit chain of 6 events verifies
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["audit", "search", "--limit", "3"],
        expect![[r#"
            SEQ  WHEN              PRINCIPAL            ACTION            AREA    OUTCOME  GROUNDS
            4    YYYY-MM-DD hh:mm  municipality:131016  import_residents  131016  allowed  T1-2-3 T1-4-3
            5    YYYY-MM-DD hh:mm  site:131016          register_dose     131016  allowed  T1-2-3 D12-2
            6    YYYY-MM-DD hh:mm  site:131016          register_dose     131016  allowed  T1-2-3 D12-2
            --- exit 0
        "#]],
    );
    let backup = dir.path().join("backup.sqlite");
    redact.add(&backup.display().to_string(), "[BACKUP]");
    let b = human(
        dir.path(),
        &["backup", "--to", &backup.display().to_string()],
    );
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert!(b.stdout.starts_with("wrote "), "{}", b.stdout);
    check(
        dir.path(),
        &redact,
        &["backup", "verify", &backup.display().to_string()],
        expect![[r#"
            valid: the backup can be restored
            integrity:      ok
            schema version: 6
            audit chain:    verifies, 7 events
            --- exit 0
        "#]],
    );
    let restored = tempfile::tempdir().unwrap();
    let mut redact2 = Redact::new(restored.path());
    redact2.add(&backup.display().to_string(), "[BACKUP]");
    let keyring = dir.path().join("keyring.json").display().to_string();
    let from = backup.display().to_string();
    check(
        restored.path(),
        &redact2,
        &["restore", "--from", &from, "--keyring", &keyring],
        expect![[r#"
            restored [DIR] from [BACKUP]
            valid: the audit chain of 8 events verifies
            --- exit 0
        "#]],
    );
    let again = tempfile::tempdir().unwrap();
    json_has(
        again.path(),
        &["restore", "--from", &from, "--keyring", &keyring],
        &["restored", "data_dir", "from", "audit"],
    );
    json_has(
        dir.path(),
        &["audit", "verify"],
        &["valid", "events", "first_bad_seq"],
    );
    json_has(
        dir.path(),
        &["audit", "search", "--limit", "3"],
        &[
            "seq",
            "at",
            "principal",
            "action",
            "municipality",
            "outcome",
            "grounds",
            "detail",
        ],
    );
    json_has(
        dir.path(),
        &["backup", "verify", &backup.display().to_string()],
        &["valid", "integrity", "schema_version", "audit"],
    );
}

#[test]
fn keys_vaccines_and_municipality_read_as_tables() {
    let dir = init();
    let mut redact = Redact::new(dir.path());
    let jwks = json_has(
        dir.path(),
        &["keys", "jwks", "--municipality", "131016"],
        &["keys"],
    );
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
    redact.add(&kid, "[KID OF 131016 ...........................]");
    check(
        dir.path(),
        &redact,
        &["keys", "jwks", "--municipality", "131016"],
        expect![[r#"
            1 signing key (current and retired; retired keys stay published)
            KID                                          ALG    CRV    CRL VERSION
            [KID OF 131016 ...........................]  ES256  P-256  -
            the JWKS document to publish: the same command with --json
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["keys", "directory"],
        expect![[r#"
            1 issuer
            ISSUER                                KID                                          ALG    CRV    CRL VERSION
            https://vrs.example.jp/issuer/131016  [KID OF 131016 ...........................]  ES256  P-256  -
            the directory for verifiers (certificate verify --jwks): the same command with --json
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["keys", "crl", "--kid", &kid],
        expect![[r#"
            revocation list of key [KID OF 131016 ...........................], version 0: 0 revoked
            --- exit 0
        "#]],
    );
    json_has(dir.path(), &["keys", "directory"], &["issuers"]);
    json_has(
        dir.path(),
        &["keys", "crl", "--kid", &kid],
        &["kid", "method", "ctr", "rids"],
    );
    check(
        dir.path(),
        &redact,
        &["vaccines", "list"],
        expect![[r#"
            ID                       BRAND                                                         MAKER                 CVX  MIN INTERVAL  BOOSTER ONLY
            comirnaty                コミナティ筋注                                                ファイザー            208  21 days       no
            comirnaty-5-11           コミナティ筋注5～11歳用                                       ファイザー            218  21 days       no
            comirnaty-6m-4           コミナティ筋注6ヵ月～4歳用                                    ファイザー            219  21 days       no
            spikevax                 スパイクバックス筋注                                          モデルナ              207  28 days       no
            spikevax-booster         スパイクバックス筋注（追加免疫0.25mL）                        モデルナ              221  90 days       yes
            vaxzevria                バキスゼブリア筋注                                            アストラゼネカ        210  28 days       no
            nuvaxovid                ヌバキソビッド筋注                                            武田薬品工業          211  21 days       no
            comirnaty-bivalent-ba1   コミナティRTU筋注（2価：起源株/オミクロン株BA.1）             ファイザー            300  90 days       yes
            comirnaty-bivalent       コミナティRTU筋注（2価：起源株/オミクロン株BA.4-5）           ファイザー            300  90 days       yes
            comirnaty-bivalent-5-11  コミナティ筋注5～11歳用（2価：起源株/オミクロン株BA.4-5）     ファイザー            301  90 days       yes
            comirnaty-bivalent-6m-4  コミナティ筋注6ヵ月～4歳用（2価：起源株/オミクロン株BA.4-5）  ファイザー            302  56 days       no
            spikevax-bivalent-ba1    スパイクバックス筋注（2価：起源株/オミクロン株BA.1）          モデルナ              229  90 days       yes
            spikevax-bivalent        スパイクバックス筋注（2価：起源株/オミクロン株BA.4-5）        モデルナ              229  90 days       yes
            comirnaty-omicron        コミナティ筋注シリンジ12歳以上用（1価：オミクロン株）         ファイザー            309  21 days       no
            comirnaty-omicron-5-11   コミナティ筋注5～11歳用（1価：オミクロン株）                  ファイザー            310  21 days       no
            comirnaty-omicron-6m-4   コミナティ筋注6ヵ月～4歳用（1価：オミクロン株）               ファイザー            308  21 days       no
            spikevax-omicron         スパイクバックス筋注（1価：オミクロン株）                     モデルナ              312  28 days       no
            spikevax-omicron-6m-11   スパイクバックス筋注（1価：オミクロン株）6ヵ月～11歳          モデルナ              311  28 days       no
            nuvaxovid-omicron        ヌバキソビッド筋注（1価：オミクロン株XBB.1.5）                武田薬品工業          313  21 days       no
            daichirona               ダイチロナ筋注                                                第一三共              213  90 days       yes
            kostaive                 コスタイベ筋注用                                              Meiji Seika ファルマ  213  90 days       yes
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["vaccines", "list"],
        &[
            "id",
            "maker",
            "maker_ja",
            "brand",
            "brand_en",
            "cvx",
            "cvx_is_own",
            "min_interval_days",
            "booster_only",
        ],
    );
    check(
        dir.path(),
        &redact,
        &["municipality", "show", "011002"],
        expect![[r#"
            code:       011002
            name:       札幌市
            kana:       さっぽろし
            kind:       municipality
            prefecture: 01 北海道
            part of:    北海道
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["municipality", "show", "011002"],
        &[
            "code",
            "name",
            "name_kana",
            "kind",
            "prefecture_code",
            "prefecture",
            "parent",
        ],
    );
}

#[test]
fn card_and_passport_checks_mask_the_my_number() {
    let dir = init_without_consents();
    let redact = Redact::new(dir.path());
    let ca = crate::fixture("cards/test-ca.json");
    check(
        dir.path(),
        &redact,
        &[
            "card",
            "verify",
            &crate::fixture("cards/valid-yamada-live.json"),
            "--ca-keys",
            &ca,
        ],
        expect![[r#"
            valid: the card data verifies up to a pinned CA key; liveness proof: yes
            name:       山田　花子
            address:    北海道札幌市中央区架空町３－４－５
            birth date: 1992-07-01
            sex:        female
            My Number:  ************ (masked)
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "card",
            "verify",
            &crate::fixture("cards/tampered-bad-signature.json"),
            "--ca-keys",
            &ca,
        ],
        expect![[r#"
            not valid (bad_signature): ef0003: signature does not verify with the key certified in ef0004
            --- exit 1
        "#]],
    );
    json_has(
        dir.path(),
        &[
            "card",
            "verify",
            &crate::fixture("cards/valid-yamada-live.json"),
            "--ca-keys",
            &ca,
        ],
        &["valid", "liveness", "holder"],
    );
    const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    check(
        dir.path(),
        &redact,
        &["passport", "parse", L1, L2],
        expect![[r#"
            valid: every check digit passes
            surname:         ERIKSSON
            given names:     ANNA MARIA
            passport number: L898902C3
            nationality:     UTO
            issuing state:   UTO
            birth date:      1974-08-12
            sex:             F
            expiry date:     2012-04-15
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["passport", "parse", L1, L2],
        &[
            "document_code",
            "surname",
            "given_names",
            "document_number",
            "valid",
            "errors",
            "warnings",
        ],
    );
}

#[test]
fn apply_certificates_and_verify_read_for_people() {
    let (dir, mut redact) = with_residents();
    grant(dir.path(), "131016", "terms-2021-12-03");
    let out = dir.path().join("cert").display().to_string();
    let ca = crate::fixture("cards/test-ca.json");
    let card = crate::fixture("cards/valid-yamada.json");
    let apply = [
        "apply",
        "--municipality",
        "011002",
        "--card",
        &card,
        "--ca-keys",
        &ca,
        "--out",
        &out,
    ];
    check(
        dir.path(),
        &redact,
        &apply,
        expect![[r#"
            --- stderr
            refused: A10-4-5 (別紙10 4-5) (no_record): 札幌市 holds no vaccination record for this person
            --- exit 1
        "#]],
    );
    json_has(dir.path(), &apply, &["issued", "refusal"]);
    let file = crate::support::write_file(
        dir.path(),
        "k.csv",
        &format!(
            "{}131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n",
            crate::support::HEADER
        ),
    );
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    for (ocr, date) in [
        ("111310160000900001", "2021-06-01"),
        ("121310160000900001", "2021-06-22"),
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
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stdout);
    }
    let kokuto = crate::fixture("cards/valid-kokuto.json");
    let issue = [
        "apply",
        "--municipality",
        "131016",
        "--card",
        &kokuto,
        "--ca-keys",
        &ca,
        "--out",
        &out,
    ];
    let issued = json_has(
        dir.path(),
        &issue,
        &["issued", "certificate_id", "issuer", "kind", "files"],
    );
    redact.add(
        issued["certificate_id"].as_str().unwrap(),
        "[CERTIFICATE 1 ................]",
    );
    let jwks = vrs(dir.path(), &["keys", "jwks", "--municipality", "131016"]).json;
    redact.add(
        jwks["keys"][0]["kid"].as_str().unwrap(),
        "[KID OF 131016 ...........................]",
    );
    let out2 = dir.path().join("cert2").display().to_string();
    let mut again = issue;
    again[again.len() - 1] = &out2;
    let second = human(dir.path(), &again);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let second_id = vrs(
        dir.path(),
        &["certificates", "list", "--as", "municipality:131016"],
    )
    .json["certificates"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    redact.add(&second_id, "[CERTIFICATE 2 ................]");
    expect![[r#"
        issued domestic certificate [CERTIFICATE 2 ................] by 131016 千代田区 (key [KID OF 131016 ...........................])
        name:       黒桐　幹也
        birth date: 1980-02-17
        doses:      2
        --- exit 0
    "#]]
    .assert_eq(&redact.apply(&second));
    check(
        dir.path(),
        &redact,
        &["certificates", "list", "--as", "municipality:131016"],
        expect![[r#"
            2 certificates issued
            CERTIFICATE                       KIND      NAME        BIRTH DATE  PASSPORT  ISSUED            STATUS
            [CERTIFICATE 2 ................]  domestic  黒桐　幹也  1980-02-17  -         YYYY-MM-DD hh:mm  in force
            [CERTIFICATE 1 ................]  domestic  黒桐　幹也  1980-02-17  -         YYYY-MM-DD hh:mm  in force
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["certificates", "list", "--as", "municipality:131016"],
        &["count", "certificates"],
    );
    let example = crate::fixture("vectors/shc/example-00-f-qr-code-numeric-value-0.txt");
    let jwks = format!(
        "https://spec.smarthealth.cards/examples/issuer={}",
        crate::fixture("vectors/shc/issuer-jwks.json")
    );
    redact.add(&crate::fixture(""), "[FIXTURES]");
    let verify = [
        "certificate",
        "verify",
        "--qr-file",
        &example,
        "--jwks",
        &jwks,
        "--at",
        "1795737600",
    ];
    check(
        dir.path(),
        &redact,
        &verify,
        expect![[r#"
            valid: SMART Health Card signed by https://spec.smarthealth.cards/examples/issuer (3 doses)
            name:       John B. Anyperson
            birth date: 1951-01-20
            key id:     3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s
            NO.  DATE        VACCINE            LOT      PERFORMER
            1    2021-01-01  spikevax           0000001  ABC General Hospital
            2    2021-01-29  spikevax           0000007  ABC General Hospital
            3    2022-09-05  spikevax-bivalent  0000001  ABC General Hospital
            warning: key 3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s has crlVersion 1 but no revocation list for it was given; revocation not checked
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &verify,
        &[
            "valid",
            "format",
            "iss",
            "kid",
            "nbf",
            "name",
            "birth_date",
            "doses",
            "warnings",
        ],
    );
    let untrusted = ["certificate", "verify", "--qr-file", &example];
    check(
        dir.path(),
        &redact,
        &untrusted,
        expect![[r#"
            not valid: the certificate fails verification
            CODE         WHY
            unknown_key  no trusted issuer has a key with kid 3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s
            --- exit 1
        "#]],
    );
    json_has(dir.path(), &untrusted, &["valid", "errors"]);
}

#[test]
fn completions_and_the_manual_page_come_from_the_same_definition() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = human(dir.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for sub in ["residents", "doses", "consent", "completions", "man"] {
            assert!(r.stdout.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let man = human(dir.path(), &["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &man.stdout[..80.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".TH vrs 1"), "{}", man.stdout);
    assert!(man.stdout.contains("Exit codes"), "{}", man.stdout);
    let bad = human(dir.path(), &["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn the_committed_manual_pages_are_what_vrs_man_makes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("man");
    let r = human(
        tmp.path(),
        &["man", "--out-dir", &out.display().to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/man");
    let names = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&out),
        names(&committed),
        "docs/man is stale: run `cargo xtask man`"
    );
    for name in names(&out) {
        assert!(
            std::fs::read(out.join(&name)).unwrap()
                == std::fs::read(committed.join(&name)).unwrap(),
            "docs/man/{name} is stale: run `cargo xtask man`"
        );
    }
}
