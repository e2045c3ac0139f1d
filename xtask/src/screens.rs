//! `cargo xtask screens`: screenshots of every screen into docs/screens/, taken by
//! the browser test that visits them all (vrs-server's
//! `browser::screens::every_screen_renders_in_chromium_and_is_photographed_on_request`)
//! in headless Chromium, with `VRS_SCREENS_DIR` pointing there.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

const TEST: &str =
    "browser::screens::every_screen_renders_in_chromium_and_is_photographed_on_request";

/// Runs the screens test with the output directory set; fails when the browser
/// tools are missing (CI=true makes the test fail instead of skipping).
pub(crate) fn run() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = root.join("docs/screens");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "test",
            "-p",
            "vrs-server",
            "--test",
            "it",
            "--",
            "--exact",
            TEST,
        ])
        .env("VRS_SCREENS_DIR", &out)
        .env("CI", "true")
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("the screens test failed ({status})");
    }
    let mut n = 0;
    for e in std::fs::read_dir(&out)? {
        if e?.path().extension().is_some_and(|x| x == "png") {
            n += 1;
        }
    }
    println!("wrote {n} screenshots to {}", out.display());
    Ok(())
}
