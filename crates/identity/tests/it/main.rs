//! Integration tests of vrs-identity: generated cards, MRZ vectors, cross-checks.

mod card;
mod crosscheck;
mod mrz;

use std::path::{Path, PathBuf};

/// The workspace's fixtures directory.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}
