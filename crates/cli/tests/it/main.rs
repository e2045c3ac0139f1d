//! CLI tests: the real `vrs` binary against temp data directories.

mod support;

mod apply;
mod audit;
mod card;
mod certificate;
mod consent;
mod contract_end;
mod doses;
mod human;
mod keys;
mod moves;
mod outputs;
mod parse_hardening;
mod passport;
mod readme;
mod release;
mod residents;
mod serve;
mod store_hardening;
mod users;
mod verifier_bounds;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `vrs --json ARGS` and returns (exit code, parsed stdout JSON or Null).
pub(crate) fn vrs(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .arg("--json")
        .args(args)
        .output()
        .expect("vrs runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

/// A path under the workspace's fixtures directory.
pub(crate) fn fixture(rel: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    p.to_string_lossy().into_owned()
}
