//! Fuzz target: ICAO VDS-NC JSON through parsing and verification against the
//! test CSCA of fixtures/vds.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vrs_certificate::{verify_text, TrustList};

fn trust() -> &'static TrustList {
    static T: OnceLock<TrustList> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustList::new();
        t.add_csca_der(include_bytes!("../../fixtures/vds/test-csca.der").to_vec());
        t
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Every input is JSON to this target (the verifier routes `{` to VDS-NC).
    let json = format!("{{{}", text.strip_prefix('{').unwrap_or(text));
    if let Err(errors) = verify_text(&json, trust(), 1_700_000_000.0) {
        assert!(!errors.is_empty());
    }
});
