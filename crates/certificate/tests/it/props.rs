//! Property tests: numeric QR text round trips, chunk order does not matter, CRLs round trip.

use proptest::prelude::*;
use vrs_certificate::{decode_numeric, numeric_text, Crl, Revoked, Rid};

/// Characters a compact JWS can hold (base64url plus '.').
fn jws_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z0-9_.-]{1,400}").unwrap()
}

proptest! {
    #[test]
    fn numeric_text_decodes_back_to_the_jws(jws in jws_text()) {
        let qr = numeric_text(&jws);
        prop_assert!(qr.starts_with("shc:/") && qr[5..].bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(decode_numeric(&[qr.as_str()]).unwrap(), jws);
    }

    #[test]
    fn chunks_reassemble_in_any_rotation(jws in jws_text(), n in 2usize..5, rot in 0usize..5) {
        let digits = &numeric_text(&jws)[5..];
        // Split on pair boundaries into n chunks (some may be empty).
        let pairs = digits.len() / 2;
        let per = pairs.div_ceil(n);
        let mut chunks: Vec<String> = (0..n)
            .map(|i| {
                let a = (i * per).min(pairs) * 2;
                let b = ((i + 1) * per).min(pairs) * 2;
                format!("shc:/{}/{}/{}", i + 1, n, &digits[a..b])
            })
            .collect();
        chunks.rotate_left(rot % n);
        let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
        prop_assert_eq!(decode_numeric(&refs).unwrap(), jws);
    }

    #[test]
    fn crl_json_round_trips(ctr in 0u64..1000, rids in proptest::collection::vec(("[A-Za-z0-9_-]{11}", proptest::option::of(0i64..2_000_000_000)), 0..8)) {
        let crl = Crl {
            kid: "k".into(),
            ctr,
            rids: rids.iter().map(|(r, b)| Revoked { rid: Rid::parse(r).unwrap(), before: *b }).collect(),
        };
        prop_assert_eq!(Crl::from_json(&crl.to_json()).unwrap(), crl);
    }
}
