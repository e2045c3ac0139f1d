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

/// Runs `vrs --data-dir DIR ARGS...`.
#[track_caller]
pub(crate) fn vrs(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
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

/// A fresh initialised data directory.
pub(crate) fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = vrs(dir.path(), &["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

pub(crate) const HEADER: &str =
    "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

/// Writes a resident file into `dir` and returns its path.
pub(crate) fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}
