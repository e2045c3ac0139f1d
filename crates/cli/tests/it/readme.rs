//! README.md's command examples run as written, in order, on a fresh data
//! directory with the files under fixtures/: every line of the block after
//! `<!-- readme-test: commands -->` exits 0 (or the code its `# exit N` comment
//! names), and each `$ command` of the block after `<!-- readme-test: output -->`
//! prints exactly the lines shown under it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lines of the fenced block that follows `marker` in the README.
fn block(readme: &str, marker: &str) -> Vec<String> {
    let after = readme
        .split_once(marker)
        .unwrap_or_else(|| panic!("README.md has no {marker}"))
        .1;
    let body = after
        .split_once("```")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .map(|(_, rest)| rest)
        .expect("a fenced block follows the marker");
    let body = &body[..body.find("\n```").expect("the block is closed")];
    body.lines().map(str::to_owned).collect()
}

/// Runs `line` with `sh` in `dir`, the built `vrs` first on PATH; stdout then stderr.
fn sh(dir: &Path, line: &str) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_vrs")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("VRS_DATA_DIR")
        .env_remove("NO_COLOR")
        .output()
        .expect("sh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The exit code a line expects: `# exit N` in its comment, else 0.
fn expected_code(line: &str) -> i32 {
    line.split_once("# exit ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_readme_commands_run_as_written_in_order_on_a_fresh_data_dir() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("fixtures"), tmp.path().join("fixtures")).unwrap();

    let commands: Vec<String> = block(&readme, "<!-- readme-test: commands -->")
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    assert!(commands.len() > 20, "{commands:?}");
    for line in &commands {
        assert!(line.starts_with("vrs "), "not a vrs command: {line}");
        let (code, stdout, stderr) = sh(tmp.path(), line);
        assert_eq!(
            code,
            expected_code(line),
            "README line failed: {line}\n{stdout}{stderr}"
        );
        if !line.contains("--json") && !line.starts_with("vrs completions") {
            assert!(
                !stdout.trim_start().starts_with('{'),
                "{line} printed JSON without --json:\n{stdout}"
            );
        }
    }
    // What the lines with --json wrote parses.
    for file in [
        "not-consented.json",
        "stats.json",
        "jwks.json",
        "audit.json",
    ] {
        let text = std::fs::read_to_string(tmp.path().join(file)).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(v.is_object(), "{file}: {v}");
    }

    let shown = block(&readme, "<!-- readme-test: output -->");
    let mut i = 0;
    while i < shown.len() {
        let command = shown[i]
            .strip_prefix("$ ")
            .unwrap_or_else(|| panic!("expected a `$ command` line: {}", shown[i]));
        let mut expected = String::new();
        i += 1;
        while i < shown.len() && !shown[i].starts_with("$ ") {
            expected.push_str(&shown[i]);
            expected.push('\n');
            i += 1;
        }
        let (_, stdout, stderr) = sh(tmp.path(), command);
        assert_eq!(
            stdout + &stderr,
            expected,
            "README shows another output for {command}"
        );
    }
}
