//! Snapshots of audit, backup, restore, keys, vaccines and municipality for people.

use expect_test::expect;

use super::{check, json_has, with_residents, Redact};
use crate::support::{human, init};

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
            schema version: 15
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
            [KID OF 131016 ...........................]  ES256  P-256  1
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
            https://vrs.example.jp/issuer/131016  [KID OF 131016 ...........................]  ES256  P-256  1
            the directory for verifiers (certificate verify --jwks): the same command with --json
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &["keys", "crl", "--kid", &kid],
        expect![[r#"
            revocation list of key [KID OF 131016 ...........................], version 1: 0 revoked
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

/// Runs `vrs ARGS` on a pseudo-terminal (util-linux `script`), with `NO_COLOR`
/// set or not; `None` when `script` is missing (then CI fails, a developer skips).
fn on_a_terminal(dir: &std::path::Path, args: &str, no_color: bool) -> Option<String> {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs util-linux `script` for the terminal colour test"
        );
        eprintln!("skipped: util-linux `script` is not installed");
        return None;
    }
    let line = format!(
        "{} --data-dir {} {args}",
        env!("CARGO_BIN_EXE_vrs"),
        dir.display()
    );
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().expect("script runs");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_only_on_a_terminal_never_with_no_color_and_never_in_json() {
    let (dir, _) = with_residents();
    let Some(coloured) = on_a_terminal(dir.path(), "audit verify", false) else {
        return;
    };
    assert!(coloured.contains("\x1b[32mvalid\x1b[0m"), "{coloured:?}");
    let refused = on_a_terminal(
        dir.path(),
        "residents count --as national --municipality 131016",
        false,
    )
    .unwrap();
    assert!(
        refused.contains("\x1b[31mrefused:\x1b[0m T1-4-6"),
        "{refused:?}"
    );
    let plain = on_a_terminal(dir.path(), "audit verify", true).unwrap();
    assert!(!plain.contains('\x1b'), "NO_COLOR was ignored: {plain:?}");
    assert!(plain.starts_with("valid: the audit chain"), "{plain:?}");
    let json = on_a_terminal(dir.path(), "--json audit verify", false).unwrap();
    assert!(!json.contains('\x1b'), "colour in --json: {json:?}");
    let piped = human(dir.path(), &["audit", "verify"]);
    assert!(!piped.stdout.contains('\x1b'), "colour on a pipe");
}

#[test]
fn tickets_population_and_the_release_read_for_people() {
    let (dir, redact) = with_residents();
    let d = dir.path();
    let due = [
        "tickets",
        "due",
        "--as",
        "municipality:131016",
        "--dose",
        "3",
        "--on",
        "2022-06-01",
    ];
    check(
        d,
        &redact,
        &due,
        expect![[r#"
            1 resident is due the ticket for dose 3 (L13)
            ADDRESS NO.  TICKET NO.  LAST DOSE   DUE ON
            A000000001   0000000001  2021-06-22  2022-01-22
            --- exit 0
        "#]],
    );
    json_has(
        d,
        &due,
        &[
            "address_number",
            "ticket_number",
            "last_dose_date",
            "due_on",
        ],
    );
    let good = crate::support::write_file(
        d,
        "population.csv",
        "自治体コード,年齢階級,人口\n131016,30-39,100\n",
    );
    check(
        d,
        &redact,
        &["population", "import", "--as", "national", &good],
        expect![[r#"
            population set: 1 row
            --- exit 0
        "#]],
    );
    let bad = crate::support::write_file(
        d,
        "bad-population.csv",
        "自治体コード,年齢階級,人口\n131016,31-40,5\n",
    );
    check(
        d,
        &redact,
        &["population", "import", "--as", "national", &bad],
        expect![[r#"
            --- stderr
            error: 1 bad row; nothing was changed
            LINE  COLUMN    REASON
            2     age_band  expected one of 0-9, 10-19, 20-29, 30-39, 40-49, 50-59, 60-69, 70-79, 80-89, 90+
            --- exit 2
        "#]],
    );
    json_has(
        d,
        &["population", "import", "--as", "national", &good],
        &["rows", "errors"],
    );
    let out = d.join("release").display().to_string();
    let release = [
        "release",
        "--as",
        "national",
        "--date",
        "2021-06-30",
        "--out",
        &out,
    ];
    check(
        d,
        &redact,
        &release,
        expect![[r#"
            release of 2021-06-30: counts below 10 suppressed across all tables (T1-4-6)
            FILE                                        ROWS
            [DIR]/release/by_day.csv          2
            [DIR]/release/by_day.json         2
            [DIR]/release/by_dose.csv         2
            [DIR]/release/by_dose.json        2
            [DIR]/release/by_prefecture.csv   2
            [DIR]/release/by_prefecture.json  2
            [DIR]/release/by_age_band.csv     2
            [DIR]/release/by_age_band.json    2
            --- exit 0
        "#]],
    );
    let again = d.join("release2").display().to_string();
    json_has(
        d,
        &[
            "release",
            "--as",
            "national",
            "--date",
            "2021-06-30",
            "--out",
            &again,
        ],
        &["date", "min_cell_size", "files"],
    );
}

#[test]
fn vds_signer_show_prints_subject_csca_and_a_readable_validity() {
    let dir = init();
    let redact = Redact::new(dir.path());
    let import = human(
        dir.path(),
        &[
            "keys",
            "vds-signer",
            "import",
            "--as",
            "operator",
            "--key",
            &crate::fixture("vds/test-signer.pk8"),
            "--cert",
            &crate::fixture("vds/test-signer.der"),
        ],
    );
    assert_eq!(import.code, 0, "{}", import.stderr);
    check(
        dir.path(),
        &redact,
        &["keys", "vds-signer", "show"],
        expect![[r#"
            VDS-NC barcode signer (overseas certificates, S-2-14)
            subject: C=JP, O=VRS test fixtures (not a real authority), CN=VRS Test VDS-NC Barcode Signer
            CSCA:    C=JP, O=VRS test fixtures (not a real authority), CN=VRS Test CSCA
            serial:  02
            valid:   2025-01-01 00:00 UTC .. 2035-01-01 00:00 UTC
            --- exit 0
        "#]],
    );
    // The JSON keeps its RFC 3339 times (a contract).
    let json = json_has(
        dir.path(),
        &["keys", "vds-signer", "show"],
        &["subject", "csca", "serial", "not_before", "not_after"],
    );
    assert_eq!(json["not_after"], "2035-01-01T00:00:00+00:00");
}
