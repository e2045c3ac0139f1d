//! Running the `vrs` binary and reading its JSON.

use std::path::Path;
use std::process::Command;

/// The result of one run.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) json: serde_json::Value,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `vrs --json --data-dir DIR ARGS...` (the JSON for scripts).
#[track_caller]
pub(crate) fn vrs(dir: &Path, args: &[&str]) -> Run {
    run(dir, true, args)
}

/// Runs `vrs --data-dir DIR ARGS...` without `--json`: the output for people.
#[track_caller]
pub(crate) fn human(dir: &Path, args: &[&str]) -> Run {
    run(dir, false, args)
}

#[track_caller]
fn run(dir: &Path, json: bool, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(json.then_some("--json"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("running vrs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh initialised data directory where 千代田区 and 札幌市 consent to the
/// base terms (T1-2-3), so that they may use VRS.
pub(crate) fn init() -> tempfile::TempDir {
    let dir = init_without_consents();
    for m in ["131016", "011002"] {
        grant(dir.path(), m, "terms-2021-12-03");
    }
    dir
}

/// A fresh initialised data directory where no municipality has consented.
pub(crate) fn init_without_consents() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = vrs(dir.path(), &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

/// Municipality `m` consents to `document`.
#[track_caller]
pub(crate) fn grant(dir: &Path, m: &str, document: &str) {
    let who = format!("municipality:{m}");
    let r = vrs(
        dir,
        &["consent", "grant", "--as", &who, "--document", document],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

pub(crate) const HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

/// Writes a resident file into `dir` and returns its path.
pub(crate) fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A valid My Number derived from `seed` (distinct seeds give distinct numbers).
pub(crate) fn valid_my_number(seed: u64) -> String {
    let mut digits = format!("{:011}", 20_000_000_000 + seed * 7).into_bytes();
    let check = vrs::domain::MyNumber::check_digit(&digits);
    digits.push(b'0' + check);
    String::from_utf8(digits).unwrap()
}
