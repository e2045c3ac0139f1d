//! Issue 13, the store half: concurrent clerks, the keyring bound to its
//! database, parallel and repeated `vrs init`, private files.

use std::path::Path;

use crate::support::{init, vrs, write_file, HEADER};

const ROWS: &str = "131016,A1,123456789018,0000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";

fn with_resident() -> tempfile::TempDir {
    let dir = init();
    let file = write_file(dir.path(), "r.csv", &format!("{HEADER}{ROWS}"));
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    dir
}

fn audit_events(dir: &Path) -> u64 {
    let v = vrs(dir, &["audit", "verify"]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert_eq!(v.json["valid"], true, "{}", v.stdout);
    v.json["events"].as_u64().unwrap()
}

#[test]
fn concurrent_reads_and_refusals_never_fail_and_are_all_audited() {
    let dir = with_resident();
    let before = audit_events(dir.path());
    let (clerks, runs) = (8, 40);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clerks)
            .map(|clerk| {
                let dir = dir.path();
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for run in 0..runs {
                        // Every other clerk is refused (the State reads no resident).
                        let (who, want) = if clerk % 2 == 0 {
                            ("municipality:131016", 0)
                        } else {
                            ("national", 1)
                        };
                        let r = vrs(
                            dir,
                            &[
                                "residents",
                                "show",
                                "--as",
                                who,
                                "--municipality",
                                "131016",
                                "--address-number",
                                "A1",
                            ],
                        );
                        if r.code != want {
                            failures.push(format!("clerk {clerk} run {run}: {}", r.stderr));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert_eq!(
        audit_events(dir.path()),
        before + (clerks * runs) as u64,
        "every read and every refusal is audited"
    );
}

#[test]
fn parallel_init_on_a_fresh_dir_succeeds_with_one_keyring() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let runs: Vec<_> = std::thread::scope(|s| {
            (0..6)
                .map(|_| s.spawn(|| vrs(&data, &["init"])))
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect()
        });
        for r in &runs {
            assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        }
        let created = runs
            .iter()
            .filter(|r| r.json["created_keyring"] == true)
            .count();
        assert_eq!(created, 1, "round {round}: exactly one keyring is made");
        assert_eq!(vrs(&data, &["audit", "verify"]).json["valid"], true);
    }
}

/// Runs a command that must be refused because of the keyring: exit 3 naming
/// the data dir and what to restore.
#[track_caller]
fn assert_keyring_refused(dir: &Path, what: &str) {
    for args in [
        &["residents", "count", "--as", "municipality:131016"][..],
        &["audit", "verify"][..],
        &["init"][..],
    ] {
        let r = vrs(dir, args);
        assert_eq!(r.code, 3, "{what}: {args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&dir.display().to_string()) && r.stderr.contains("restore"),
            "{what}: {args:?} must name the data dir and what to restore: {}",
            r.stderr
        );
    }
}

#[test]
fn a_missing_keyring_stops_every_command_and_init_never_replaces_it() {
    let dir = with_resident();
    let keyring = dir.path().join("keyring.json");
    let saved = std::fs::read(&keyring).unwrap();
    std::fs::remove_file(&keyring).unwrap();
    assert_keyring_refused(dir.path(), "missing keyring");
    assert!(!keyring.exists(), "vrs init must not create a new keyring");
    // Restoring the original keyring repairs everything.
    std::fs::write(&keyring, saved).unwrap();
    set_mode(&keyring, 0o600);
    assert_eq!(
        vrs(
            dir.path(),
            &["residents", "count", "--as", "municipality:131016"]
        )
        .code,
        0
    );
    audit_events(dir.path());
}

#[test]
fn another_data_dirs_keyring_or_a_damaged_data_key_is_refused() {
    let dir = with_resident();
    let other = init();
    let keyring = dir.path().join("keyring.json");
    let saved = std::fs::read_to_string(&keyring).unwrap();
    std::fs::copy(other.path().join("keyring.json"), &keyring).unwrap();
    assert_keyring_refused(dir.path(), "another data dir's keyring");

    // Well-formed but damaged: one hex digit of a data key changed (the
    // operator's, or the municipality's own).
    for pointer in ["/operator/data_key", "/municipalities/131016/data_key"] {
        let mut file: serde_json::Value = serde_json::from_str(&saved).unwrap();
        let key = file.pointer(pointer).unwrap().as_str().unwrap().to_owned();
        let flipped = if key.starts_with('0') { "1" } else { "0" };
        *file.pointer_mut(pointer).unwrap() = format!("{flipped}{}", &key[1..]).into();
        std::fs::write(&keyring, serde_json::to_string(&file).unwrap()).unwrap();
        set_mode(&keyring, 0o600);
        assert_keyring_refused(dir.path(), pointer);
    }

    std::fs::write(&keyring, saved).unwrap();
    audit_events(dir.path());
}

#[test]
fn re_init_with_another_issuer_base_url_is_refused_without_force_and_audited() {
    let dir = init();
    let r = vrs(
        dir.path(),
        &["init", "--issuer-base-url", "https://other.example/issuer"],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    let search = vrs(dir.path(), &["audit", "search", "--action", "init"]);
    assert!(
        search.stdout.contains("issuer_base_url_change") && search.stdout.contains("refused"),
        "{}",
        search.stdout
    );
    // The URL in force did not change.
    let again = vrs(dir.path(), &["init"]);
    assert_eq!(
        again.json["issuer_base_url"],
        "https://vrs.example.jp/issuer"
    );
    let forced = vrs(
        dir.path(),
        &[
            "init",
            "--issuer-base-url",
            "https://other.example/issuer",
            "--force",
        ],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        forced.json["issuer_base_url"],
        "https://other.example/issuer"
    );
    audit_events(dir.path());
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_data_dir_is_0700_and_every_file_in_it_0600() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_eq!(vrs(&data, &["init"]).code, 0);
    crate::support::grant(&data, "131016", "terms-2021-12-03");
    assert_eq!(mode(&data), 0o700);
    let mut seen = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "database and keyring at least");
}

#[test]
fn the_my_number_can_come_from_stdin_or_a_file() {
    use std::io::Write;
    let dir = with_resident();
    let file = write_file(dir.path(), "n.txt", "123456789018\n");
    let base = ["residents", "show", "--as", "municipality:131016"];
    let by_file = vrs(
        dir.path(),
        &[&base[..], &["--my-number-file", &file]].concat(),
    );
    assert_eq!(by_file.code, 0, "{}{}", by_file.stdout, by_file.stderr);
    assert!(by_file.stdout.contains("A1"), "{}", by_file.stdout);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vrs"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(base)
        .arg("--my-number-stdin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"123456789018\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("A1"));

    for cmd in [
        &["residents", "show", "--help"][..],
        &["doses", "list", "--help"][..],
        &["inquiry", "--help"][..],
    ] {
        let help = vrs(dir.path(), cmd);
        assert!(
            help.stdout.contains("--my-number-stdin") && help.stdout.contains("--my-number-file"),
            "{cmd:?}"
        );
    }
}

#[test]
fn n_2_a_consent_cannot_be_backdated_to_before_its_document_existed() {
    let dir = crate::support::init_without_consents();
    let grant = |at: &str| {
        vrs(
            dir.path(),
            &[
                "consent",
                "grant",
                "--as",
                "municipality:131016",
                "--document",
                "terms-2021-12-03",
                "--at",
                at,
            ],
        )
    };
    let r = grant("2021-11-01");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["provisions"], serde_json::json!(["N-2"]));
    let search = vrs(
        dir.path(),
        &["audit", "search", "--action", "grant_consent"],
    );
    assert!(search.stdout.contains("refused"), "{}", search.stdout);
    assert_eq!(grant("2021-12-03").code, 0);
}

#[test]
fn s_3_3_a_failed_dose_import_reports_nothing_registered_and_is_audited_as_an_exception() {
    let dir = with_resident();
    let d = dir.path();
    // One good row (ticket 1 exists) and one bad (ticket 9 was never issued).
    let upload = write_file(
        d,
        "doses.csv",
        "ocr_line,vaccine,lot,date\n\
         111310160000000001,comirnaty,FA5765,2021-06-01\n\
         111310160000000009,comirnaty,FA5765,2021-06-01\n",
    );
    let r = vrs(d, &["doses", "import", "--as", "site:131016", &upload]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["committed"], false);
    assert_eq!(
        r.json["registered"], 0,
        "nothing was registered: {}",
        r.stdout
    );
    let listed = vrs(
        d,
        &[
            "doses",
            "list",
            "--as",
            "municipality:131016",
            "--address-number",
            "A1",
        ],
    );
    assert!(!listed.stdout.contains("FA5765"), "{}", listed.stdout);
    let search = vrs(d, &["audit", "search", "--action", "import_doses"]);
    assert!(
        search.stdout.contains("failed") && search.stdout.contains("S-3-3"),
        "{}",
        search.stdout
    );
    // A file that cannot be read at all (no known header) is audited too.
    let junk = write_file(d, "junk.csv", "a,b\n1,2\n");
    let r = vrs(
        d,
        &["residents", "import", "--as", "municipality:131016", &junk],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    let search = vrs(d, &["audit", "search", "--action", "import_residents"]);
    assert!(search.stdout.contains("failed"), "{}", search.stdout);
    audit_events(d);
}
