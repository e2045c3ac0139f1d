//! Issue 13: every output file is new, private, never written through a link,
//! never one of the inputs; unusable paths are bad input naming the flag;
//! `vrs apply` records nothing when its files cannot be written; backups are
//! atomic and restorable.

use std::path::Path;

use crate::support::{grant, init_without_consents, vrs, write_file, Run, HEADER};

/// A data dir where 千代田区 holds 黒桐 幹也 with one dose.
fn with_kokuto() -> tempfile::TempDir {
    let dir = init_without_consents();
    grant(dir.path(), "131016", "terms-2021-12-03");
    let file = write_file(
        dir.path(),
        "k.csv",
        &format!("{HEADER}131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n"),
    );
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reg = vrs(
        dir.path(),
        &[
            "doses",
            "register",
            "--as",
            "site:131016",
            "--ocr-line",
            "111310160000900001",
            "--vaccine",
            "comirnaty",
            "--lot",
            "FA5765",
            "--date",
            "2021-06-01",
        ],
    );
    assert_eq!(reg.code, 0, "{}{}", reg.stdout, reg.stderr);
    dir
}

fn apply(dir: &Path, out: &Path, extra: &[&str]) -> Run {
    let out = out.display().to_string();
    let (card, ca) = (
        crate::fixture("cards/valid-kokuto.json"),
        crate::fixture("cards/test-ca.json"),
    );
    let args = [
        &[
            "apply",
            "--municipality",
            "131016",
            "--card",
            &card,
            "--ca-keys",
            &ca,
            "--out",
            &out,
        ][..],
        extra,
    ]
    .concat();
    vrs(dir, &args)
}

fn issued(dir: &Path) -> u64 {
    let list = vrs(
        dir,
        &["certificates", "list", "--as", "municipality:131016"],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    list.json["count"].as_u64().unwrap()
}

#[track_caller]
fn assert_bad_path(r: &Run, flag: &str, path: &Path) {
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(flag) && r.stderr.contains(&path.display().to_string()),
        "must name {flag} and {}: {}",
        path.display(),
        r.stderr
    );
}

#[test]
fn apply_with_an_unusable_out_is_bad_input_and_records_no_certificate() {
    let dir = with_kokuto();
    // --out names an existing file, not a directory.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"mine").unwrap();
    assert_bad_path(&apply(dir.path(), &file, &[]), "--out", &file);
    // --out under a missing parent that cannot be created (a file is in the way).
    let under = file.join("sub");
    assert_bad_path(&apply(dir.path(), &under, &[]), "--out", &under);
    assert_eq!(issued(dir.path()), 0, "nothing signed or recorded");
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
}

#[cfg(unix)]
#[test]
fn apply_never_writes_through_a_planted_symlink_and_replaces_files_only_with_force() {
    let dir = with_kokuto();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, out.join("certificate.png")).unwrap();
    let r = apply(dir.path(), &out, &[]);
    assert_bad_path(&r, "--out", &out.join("certificate.png"));
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(issued(dir.path()), 0);
    assert!(
        !out.join("certificate.json").exists(),
        "nothing half-written"
    );

    let r = apply(dir.path(), &out, &["--force"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    let png = std::fs::symlink_metadata(out.join("certificate.png")).unwrap();
    assert!(png.file_type().is_file());
    assert_eq!(
        crate::store_hardening::mode(&out.join("certificate.png")),
        0o600
    );
    assert_eq!(issued(dir.path()), 1);
    // Again without --force: the files exist now.
    assert_eq!(apply(dir.path(), &out, &[]).code, 2);
    assert_eq!(issued(dir.path()), 1);
}

#[cfg(unix)]
#[test]
fn doses_export_refuses_an_existing_file_and_leaves_a_users_partial_file_alone() {
    let dir = with_kokuto();
    let out = dir.path().join("ledger.csv");
    let partial = dir.path().join("ledger.partial");
    std::fs::write(&partial, b"my own notes").unwrap();
    let export = |extra: &[&str]| {
        let out_s = out.display().to_string();
        vrs(
            dir.path(),
            &[
                &[
                    "doses",
                    "export",
                    "--as",
                    "municipality:131016",
                    "--out",
                    &out_s,
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    let r = export(&[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read(&partial).unwrap(), b"my own notes");
    assert_eq!(crate::store_hardening::mode(&out), 0o600);
    assert_bad_path(&export(&[]), "--out", &out);
    assert_eq!(export(&["--force"]).code, 0);
    let missing = dir.path().join("no/such/dir/ledger.csv");
    let r = vrs(
        dir.path(),
        &[
            "doses",
            "export",
            "--as",
            "municipality:131016",
            "--out",
            &missing.display().to_string(),
        ],
    );
    assert_bad_path(&r, "--out", &missing);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.ends_with(".tmp").then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn inquiry_batch_never_overwrites_its_own_input() {
    let dir = with_kokuto();
    grant(dir.path(), "011002", "terms-2021-12-03");
    let input = write_file(dir.path(), "ask.csv", "my_number\n537686677188\n");
    let before = std::fs::read(&input).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let r = vrs(
            dir.path(),
            &[
                &[
                    "inquiry",
                    "batch",
                    "--as",
                    "municipality:011002",
                    "--holder",
                    "131016",
                    "--personal-consent",
                    &input,
                    "--out",
                    &input,
                ][..],
                extra,
            ]
            .concat(),
        );
        assert_bad_path(&r, "--out", Path::new(&input));
        assert_eq!(std::fs::read(&input).unwrap(), before, "{extra:?}");
    }
}

#[test]
fn backup_verify_of_a_file_that_is_not_a_database_exits_1() {
    let dir = with_kokuto();
    let junk = write_file(dir.path(), "junk.sqlite", &"not a database\n".repeat(100));
    let r = vrs(dir.path(), &["backup", "verify", &junk]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["valid"], false);
}

#[cfg(unix)]
#[test]
fn backup_never_follows_a_dangling_symlink_and_leaves_no_wal_or_shm() {
    let dir = with_kokuto();
    let backups = tempfile::tempdir().unwrap();
    let link = backups.path().join("b.sqlite");
    let target = backups.path().join("elsewhere.sqlite");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let r = vrs(dir.path(), &["backup", "--to", &link.display().to_string()]);
    assert_bad_path(&r, "--to", &link);
    assert!(!target.exists(), "nothing written through the link");

    let to = backups.path().join("ok.sqlite");
    let to_s = to.display().to_string();
    let r = vrs(dir.path(), &["backup", "--to", &to_s]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(crate::store_hardening::mode(&to), 0o600);
    let v = vrs(dir.path(), &["backup", "verify", &to_s]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    let mut names: Vec<_> = std::fs::read_dir(backups.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["b.sqlite", "ok.sqlite"],
        "no -wal, -shm or temporary file"
    );
    assert_bad_path(&vrs(dir.path(), &["backup", "--to", &to_s]), "--to", &to);
    assert_eq!(
        vrs(dir.path(), &["backup", "--to", &to_s, "--force"]).code,
        0
    );
}

#[cfg(unix)]
#[test]
fn a_backup_killed_midway_leaves_nothing_that_blocks_the_next_run() {
    let dir = with_kokuto();
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("b.sqlite");
    for delay_ms in [0u64, 2, 5, 10, 20, 40] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vrs"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["backup", "--to"])
            .arg(&to)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if to.exists() {
            // The kill came after the backup was complete: it must be whole.
            let v = vrs(dir.path(), &["backup", "verify", &to.display().to_string()]);
            assert_eq!(v.code, 0, "after {delay_ms} ms: {}", v.stdout);
            std::fs::remove_file(&to).unwrap();
        }
    }
    let r = vrs(dir.path(), &["backup", "--to", &to.display().to_string()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        vrs(dir.path(), &["backup", "verify", &to.display().to_string()]).code,
        0
    );
}

#[test]
fn t1_5_3_restore_brings_a_backup_back_into_an_empty_data_dir_with_its_keyring() {
    let dir = with_kokuto();
    let safe = tempfile::tempdir().unwrap();
    let backup = safe.path().join("b.sqlite");
    let keyring = safe.path().join("keyring.json");
    let r = vrs(
        dir.path(),
        &["backup", "--to", &backup.display().to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::copy(dir.path().join("keyring.json"), &keyring).unwrap();
    let restore = |target: &Path, keyring: &Path| {
        vrs(
            target,
            &[
                "restore",
                "--from",
                &backup.display().to_string(),
                "--keyring",
                &keyring.display().to_string(),
            ],
        )
    };
    // Not into a live data dir.
    assert_eq!(restore(dir.path(), &keyring).code, 2);
    // Not with another data dir's keyring: nothing is written.
    let other = init_without_consents();
    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("restored");
    let r = restore(&target, &other.path().join("keyring.json"));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(!target.join("vrs.sqlite").exists());

    let r = restore(&target, &keyring);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json["audit"]["valid"], true);
    let show = vrs(
        &target,
        &[
            "residents",
            "show",
            "--as",
            "municipality:131016",
            "--address-number",
            "A900000001",
        ],
    );
    assert_eq!(show.code, 0, "{}{}", show.stdout, show.stderr);
    assert_eq!(issued(&target), 0);
    let verify = vrs(&target, &["audit", "verify"]);
    assert_eq!(verify.json["valid"], true);
}
