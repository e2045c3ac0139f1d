//! Snapshots of init, consent, residents, doses, stats and inquiry for people.

use expect_test::expect;

use super::{check, demo_file, json_has, with_residents, Redact};
use crate::support::{grant, human, init_without_consents};

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
            migrations applied: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
            schema version:     15
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
    check(
        dir.path(),
        &redact,
        &[
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
        ],
        expect![[r#"
            registered dose 131016-3 (dose 1) in 131016 千代田区's area
            --- exit 0
        "#]],
    );
    let upload = crate::support::write_file(
        dir.path(),
        "upload.csv",
        "OCRライン,ワクチン,ロット番号,接種日\n111310160000000003,comirnaty,FA5765,2021-06-01\n121310160000000003,comirnaty,FA5765,2021-06-02\n",
    );
    check(
        dir.path(),
        &redact,
        &["doses", "import", "--as", "site:131016", &upload],
        expect![[r#"
            --- stderr
            error: 1 bad value; nothing was registered
            LINE  COLUMN  REASON
            3     date    1 days after the previous dose of 2021-06-01; comirnaty needs at least 21
            --- exit 2
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
            wrote 3 doses (utf-8, 376 bytes) to [DIR]/ledger.csv
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
    super::moved_to_sapporo(dir.path());
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
fn a_batch_inquiry_summarises_and_lists_bad_rows_without_echoing_my_numbers() {
    let (dir, redact) = with_residents();
    super::moved_to_sapporo(dir.path());
    let movers = crate::support::write_file(
        dir.path(),
        "movers.csv",
        "個人番号\n686561988020\n537686677188\n",
    );
    let batch = |file: &str, out: &str| {
        vec![
            "inquiry".to_owned(),
            "batch".into(),
            "--as".into(),
            "municipality:011002".into(),
            "--holder".into(),
            "131016".into(),
            file.to_owned(),
            "--out".into(),
            out.to_owned(),
            "--personal-consent".into(),
        ]
    };
    let args = batch(&movers, &dir.path().join("r1.csv").display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check(
        dir.path(),
        &redact,
        &args,
        expect![[r#"
            asked about 2 persons, 1 found (legal basis T1-3-1-5 (別紙1 第3条第1項第5号)); the answers are in [DIR]/r1.csv
            --- exit 0
        "#]],
    );
    let bad = crate::support::write_file(dir.path(), "bad-movers.csv", "個人番号\n686561988021\n");
    let args = batch(&bad, &dir.path().join("r2.csv").display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check(
        dir.path(),
        &redact,
        &args,
        expect![[r#"
            --- stderr
            error: 1 bad value; nobody was asked about
            LINE  COLUMN     REASON
            2     my_number  check digit does not match
            --- exit 2
        "#]],
    );
    let shown = human(dir.path(), &args);
    assert!(!(shown.stdout + &shown.stderr).contains("686561988021"));
    let args = batch(&movers, &dir.path().join("r3.csv").display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json_has(
        dir.path(),
        &args,
        &["asked", "found", "legal_basis", "out", "errors"],
    );
}
