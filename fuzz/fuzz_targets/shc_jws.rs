//! Fuzz target: a compact JWS (or any text the verifier accepts: a
//! `.smart-health-card` file, VDS-NC JSON) through full SHC verification.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vrs_certificate::{verify_jws, verify_text, TrustList};

fn trust() -> &'static TrustList {
    static T: OnceLock<TrustList> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustList::japan();
        let jwks = include_str!("../../fixtures/vectors/shc/issuer-jwks.json");
        t.add_trust_json(jwks, Some(vrs_certificate::Issuer::from_url(
            "https://spec.smarthealth.cards/examples/issuer",
        )))
        .expect("example jwks");
        t
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let at = 1_700_000_000.0;
    if let Err(errors) = verify_jws(text, trust(), at) {
        assert!(!errors.is_empty());
    }
    if let Err(errors) = verify_text(text, trust(), at) {
        assert!(!errors.is_empty());
    }
});
