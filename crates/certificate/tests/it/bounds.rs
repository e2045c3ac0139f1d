//! Issue 13, defects 3 and 4: the verifier bounds what it reads before it
//! allocates for it (QR chunk headers, PNG dimensions, text sizes).

use std::time::Instant;

use vrs_certificate::{
    decode_png, verify_png, verify_text, TrustList, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE,
    MAX_VERIFY_TEXT,
};

use crate::png_bombs::{one_bit_bomb, png_rows, ztxt_bomb};

#[track_caller]
fn check_malformed(
    what: &str,
    got: Result<vrs_certificate::VerifiedCard, Vec<vrs_certificate::VerifyError>>,
    says: &str,
) {
    let errors = got.expect_err(what);
    assert_eq!(errors.len(), 1, "{what}: {errors:?}");
    assert_eq!(errors[0].code, "malformed", "{what}: {errors:?}");
    assert!(errors[0].message.contains(says), "{what}: {errors:?}");
}

#[test]
fn shc_chunk_headers_beyond_the_spec_are_malformed_before_any_allocation() {
    let trust = TrustList::japan();
    for (text, says) in [
        ("shc:/1/18446744073709551615/5656", "chunk count"),
        ("shc:/1/100000000000/5656", "chunk count"),
        ("shc:/1/100000000/5656", "chunk count"),
        ("shc:/100000000/1/5656", "chunk index"),
        ("shc:/2/2/5656", "do not make"),
    ] {
        let start = Instant::now();
        check_malformed(text, verify_text(text, &trust, 0.0), says);
        assert!(
            start.elapsed().as_millis() < 500,
            "{text}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_20000_by_20000_one_bit_png_bomb_is_refused_from_its_header() {
    let bomb = one_bit_bomb();
    assert!(bomb.len() < 512 * 1024, "the bomb is {} bytes", bomb.len());
    let start = Instant::now();
    let err = decode_png(&bomb).unwrap_err().to_string();
    assert!(err.contains("20000 × 20000"), "{err}");
    assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
    check_malformed(
        "bomb",
        verify_png(&bomb, &TrustList::japan(), 0.0),
        "pixels",
    );
}

#[test]
fn images_over_a_side_or_over_the_pixel_budget_are_refused_and_one_at_the_limit_is_read() {
    let side = MAX_IMAGE_SIDE;
    let square = (MAX_IMAGE_PIXELS as f64).sqrt() as u32;
    for (w, h, refused) in [
        (side + 1, 1, true),
        (1, side + 1, true),
        (side, side, true),
        (square + 1, square, true),
        (square, square, false),
    ] {
        // RGBA: the largest decoded form (4 bytes a pixel).
        let rows = if refused { 1 } else { h };
        let img = png_rows(w, h, rows, 8, 6, 0x80, &[]);
        let got = decode_png(&img);
        let err = got.unwrap_err().to_string();
        assert_eq!(err.contains("at most"), refused, "{w} × {h}: {err}");
        if !refused {
            assert!(err.contains("no QR code"), "{w} × {h}: {err}");
        }
    }
}

#[test]
fn a_compressed_text_chunk_bomb_is_not_inflated() {
    let bomb = ztxt_bomb(64);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let err = decode_png(&bomb).unwrap_err().to_string();
    assert!(err.contains("no QR code"), "{err}");
}

#[test]
fn texts_over_the_verifier_limit_are_malformed() {
    let trust = TrustList::japan();
    let long = "a".repeat(MAX_VERIFY_TEXT + 1);
    for text in [
        long.clone(),
        format!("shc:/{}", "5".repeat(MAX_VERIFY_TEXT)),
        format!("{{\"x\":\"{long}\"}}"),
    ] {
        check_malformed(&text[..10], verify_text(&text, &trust, 0.0), "at most");
    }
    let many = "shc:/1/2/56\n".repeat(100_000);
    check_malformed("many lines", verify_text(&many, &trust, 0.0), "at most");
}

#[test]
fn a_png_that_panics_the_qr_detector_is_malformed_not_a_crash() {
    // Found by the png_qr fuzz target (fixtures/fuzz/README.md).
    let png = std::fs::read(crate::support::fixture(
        "fuzz/png_qr-rqrr-timing-pattern-panic.png",
    ))
    .unwrap();
    let err = decode_png(&png).unwrap_err().to_string();
    assert!(err.contains("QR detector failed"), "{err}");
    check_malformed(
        "fuzz crash",
        verify_png(&png, &TrustList::japan(), 0.0),
        "QR",
    );
}
