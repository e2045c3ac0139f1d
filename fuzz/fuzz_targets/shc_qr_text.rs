//! Fuzz target: SHC numeric QR text (`shc:/…`, chunks one per line) through
//! decoding and full verification against the official examples' issuer.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vrs_certificate::{decode_numeric, verify_qr_texts, TrustList, MAX_CHUNK_JWS, MAX_CHUNKS};

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
    let lines: Vec<&str> = text.lines().take(MAX_CHUNKS + 1).collect();
    if let Ok(jws) = decode_numeric(&lines) {
        // Bounded by the spec: at most MAX_CHUNKS chunks of at most 1195 characters.
        assert!(jws.len() <= MAX_CHUNKS * (MAX_CHUNK_JWS + 4));
    }
    if let Err(errors) = verify_qr_texts(&lines, trust(), 1_700_000_000.0) {
        assert!(!errors.is_empty());
    }
});
