//! Fuzz target: reading QR codes from PNG bytes (dimensions and decoder memory
//! bounded before decoding), then verifying what was read.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use vrs_certificate::{decode_png, verify_png, TrustList};

/// libFuzzer's panic hook aborts on every panic, even one that is caught.
/// `decode_png` contains panics of the rqrr QR detector (rqrr 0.9.3 asserts on
/// some crafted images: fixtures/fuzz/README.md), so those are let through to its
/// `catch_unwind`; any other panic is still a finding.
fn let_rqrr_panics_unwind() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.location().is_some_and(|l| l.file().contains("/rqrr-")) {
                return;
            }
            previous(info);
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_rqrr_panics_unwind();
    match decode_png(data) {
        Ok(texts) => assert!(!texts.is_empty()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = verify_png(data, &TrustList::new(), 1_700_000_000.0);
});
