//! `cargo xtask man [--check]`: writes the manual pages (roff, one per command and
//! subcommand) that `vrs man --out-dir` makes into docs/man/ for packagers, and
//! with `--check` fails when the committed pages differ from what the CLI makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The pages in `dir`, by file name.
fn pages(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "1") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.insert(name, std::fs::read(&path)?);
        }
    }
    Ok(out)
}

/// Runs `vrs man --out-dir DIR` (built by cargo) and returns the pages it wrote.
fn generate(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root())
        .args(["run", "--quiet", "-p", "vrs-cli", "--", "man", "--out-dir"])
        .arg(dir)
        .status()?;
    anyhow::ensure!(status.success(), "vrs man --out-dir failed: {status}");
    pages(dir)
}

pub(crate) fn run(check: bool) -> anyhow::Result<()> {
    let committed_dir = root().join("docs/man");
    if check {
        let tmp = tempfile::tempdir()?;
        let made = generate(tmp.path())?;
        let committed = pages(&committed_dir)?;
        let stale: Vec<&String> = made
            .keys()
            .chain(committed.keys())
            .filter(|k| made.get(*k) != committed.get(*k))
            .collect();
        anyhow::ensure!(
            stale.is_empty(),
            "docs/man is stale ({} pages differ, e.g. {:?}): run `cargo xtask man`",
            stale.len(),
            stale.first()
        );
        println!("docs/man: {} pages are current", made.len());
        return Ok(());
    }
    for (name, _) in pages(&committed_dir)? {
        std::fs::remove_file(committed_dir.join(name))?;
    }
    let made = generate(&committed_dir)?;
    println!("wrote {} pages to docs/man", made.len());
    Ok(())
}
