//! Fuzz target: reading QR codes from PNG bytes (dimensions and decoder memory
//! bounded before decoding), then verifying what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_certificate::{decode_png, verify_png, TrustList};

fuzz_target!(|data: &[u8]| {
    match decode_png(data) {
        Ok(texts) => assert!(!texts.is_empty()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = verify_png(data, &TrustList::new(), 1_700_000_000.0);
});
