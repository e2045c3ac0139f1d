//! Fuzz target: a whole card dump (JSON) through parsing and chain verification
//! against the default anchors plus vrs's test CA.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vrs_identity::{CardDump, CardVerifier, TrustAnchors};

fn verifier() -> &'static CardVerifier {
    static V: OnceLock<CardVerifier> = OnceLock::new();
    V.get_or_init(|| {
        let mut anchors = TrustAnchors::card_defaults();
        let test_ca = include_str!("../../fixtures/cards/test-ca.json");
        anchors.extend(TrustAnchors::from_json(test_ca).expect("test ca"));
        CardVerifier::new(anchors)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dump) = CardDump::from_json(text) else {
        return;
    };
    match verifier().verify(&dump) {
        Ok(holder) => {
            // Only a correctly signed dump can get here.
            let _ = holder.liveness();
        }
        Err(e) => {
            let _ = (e.kind(), e.to_string());
        }
    }
});
