//! `vrs municipality export` and `erase` (M-13): the data handed back reads
//! back through `vrs residents import`; an erasure needs the code twice.

use crate::support::{init, vrs, write_file, HEADER};

fn residents(n: u64) -> String {
    let mut text = HEADER.to_owned();
    for (i, my_number) in ["123456789018", "537686677188"]
        .iter()
        .take(n as usize)
        .enumerate()
    {
        text.push_str(&format!(
            "131016,A{i},{my_number},{:010},山田 太郎{i},ヤマダ タロウ,1980-02-17,1\n",
            i + 1
        ));
    }
    text
}

#[test]
fn m_13_export_hands_back_files_that_import_reads_back_and_only_to_the_municipality() {
    let dir = init();
    let file = write_file(dir.path(), "r.csv", &residents(2));
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = dir.path().join("handed-back");
    let out_s = out.display().to_string();
    // Nobody but the municipality itself takes its data (M-13, T1-4-6).
    for who in ["operator", "national", "site:131016"] {
        let refused = vrs(
            dir.path(),
            &["municipality", "export", "--as", who, "--to", &out_s],
        );
        assert_eq!(refused.code, 1, "{who}: {}", refused.stdout);
        assert!(!out.join("residents.csv").exists(), "{who}");
    }
    let r = vrs(
        dir.path(),
        &[
            "municipality",
            "export",
            "--as",
            "municipality:131016",
            "--to",
            &out_s,
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["municipality"], "131016");
    let files: Vec<(&str, u64)> = r.json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["records"].as_u64().unwrap()))
        .collect();
    assert_eq!(files[0], ("residents.csv", 2));
    assert!(files.contains(&("consents.jsonl", 1)), "{files:?}");
    assert!(files.contains(&("consent_history.jsonl", 1)), "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("residents.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second export without --force refuses to overwrite (bad input).
    let again = vrs(
        dir.path(),
        &[
            "municipality",
            "export",
            "--as",
            "municipality:131016",
            "--to",
            &out_s,
        ],
    );
    assert_eq!(again.code, 2, "{}", again.stderr);

    // The file reads back into a fresh instance exactly.
    let fresh = init();
    let exported = out.join("residents.csv").display().to_string();
    let r = vrs(
        fresh.path(),
        &[
            "residents",
            "import",
            "--as",
            "municipality:131016",
            &exported,
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for a in ["A0", "A1"] {
        let show = |d: &std::path::Path| {
            vrs(
                d,
                &[
                    "residents",
                    "show",
                    "--as",
                    "municipality:131016",
                    "--address-number",
                    a,
                ],
            )
        };
        let (before, after) = (show(dir.path()), show(fresh.path()));
        assert_eq!(after.code, 0, "{}", after.stderr);
        assert_eq!(after.json, before.json, "{a} reads back the same");
    }
}

#[test]
fn m_13_erase_needs_the_operator_and_the_code_twice() {
    let dir = init();
    let file = write_file(dir.path(), "r.csv", &residents(1));
    vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    let erase = |who: &str, confirm: &str| {
        vrs(
            dir.path(),
            &[
                "municipality",
                "erase",
                "--as",
                who,
                "131016",
                "--confirm",
                confirm,
            ],
        )
    };
    let r = erase("operator", "131041");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--confirm"), "{}", r.stderr);
    assert_eq!(erase("municipality:131016", "131016").code, 1);
    let r = erase("operator", "131016");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["residents"], 1);
    assert_eq!(r.json["key_destroyed"], true);
    let keyring = std::fs::read_to_string(dir.path().join("keyring.json")).unwrap();
    assert!(
        !keyring.contains("\"131016\""),
        "the key is gone from the keyring"
    );
    let count = vrs(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
    );
    assert_eq!(count.json["count"], 0, "{}", count.stdout);
    assert_eq!(vrs(dir.path(), &["audit", "verify"]).code, 0);
}
