//! The generated fixtures: each is a (path, generator) pair, so `fixtures demo`
//! writes them and `fixtures check` proves the committed files are what the
//! generators make (CI fails on a diff).

use std::path::{Path, PathBuf};

use anyhow::Context;
use vrs_domain::MunicipalityCode;

/// The workspace root (xtask lives one level below it).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

type Generator = fn() -> anyhow::Result<Vec<u8>>;

fn population(code: &str, count: u64, cp932: bool) -> anyhow::Result<Vec<u8>> {
    let code = MunicipalityCode::parse_municipality(code).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Vec::new();
    crate::population::write_population(code, count, 1, &mut out, cp932)?;
    Ok(out)
}

/// Every generated fixture.
fn generated() -> Vec<(&'static str, Generator)> {
    vec![
        ("fixtures/demo/residents-131016.csv", || {
            population("131016", 30, false)
        }),
        ("fixtures/demo/residents-011002.cp932.csv", || {
            population("011002", 20, true)
        }),
    ]
}

pub(crate) fn write_all() -> anyhow::Result<()> {
    for (path, make) in generated() {
        let full = root().join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&full, make()?).with_context(|| format!("writing {path}"))?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

pub(crate) fn check_all() -> anyhow::Result<()> {
    crate::fixtures_vds::check()?;
    let mut stale = Vec::new();
    for (path, make) in generated() {
        let committed = std::fs::read(root().join(path)).unwrap_or_default();
        if committed != make()? {
            stale.push(path);
        }
    }
    anyhow::ensure!(
        stale.is_empty(),
        "generated fixtures differ from their generators: {stale:?}; run `cargo xtask fixtures demo` and commit"
    );
    eprintln!("generated fixtures are up to date");
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `cargo xtask fixtures check` as a test: the committed demo populations and
    /// the VDS-NC test PKI are what their generators make and check.
    #[test]
    fn the_committed_generated_fixtures_are_what_their_generators_make() {
        if let Err(e) = super::check_all() {
            panic!("{e:#}");
        }
    }
}
