//! Shared helpers: fixture paths, a fixed certificate, a fixed key.

use std::path::PathBuf;

use vrs_domain::{
    CertificateContent, CertificateDose, CertificateId, CertificateKind, CertificateParts,
    DoseNumber, OverseasHolder, RomajiName,
};

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

pub(crate) fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The official examples' issuer.
pub(crate) const EXAMPLE_ISS: &str = "https://spec.smarthealth.cards/examples/issuer";

/// 2026-11-27T00:00:00Z: "today" for the official examples (after example-03's exp).
pub(crate) const TODAY: f64 = 1_795_737_600.0;

fn dose(date: &str, product: &str, lot: &str, n: u8) -> CertificateDose {
    CertificateDose {
        date: date.parse().unwrap(),
        site: None,
        product: product.parse().unwrap(),
        lot: lot.parse().unwrap(),
        dose_number: DoseNumber::new(n).unwrap(),
    }
}

/// A fixed 4-dose certificate (synthetic person).
pub(crate) fn four_dose(kind: CertificateKind) -> CertificateContent {
    CertificateContent::new(CertificateParts {
        kind,
        name: "山田　花子".parse().unwrap(),
        birth_date: "1980-02-17".parse().unwrap(),
        doses: vec![
            dose("2021-06-01", "comirnaty", "FA5765", 1),
            dose("2021-06-22", "comirnaty", "FC3661", 2),
            dose("2022-01-20", "spikevax-booster", "3005236", 3),
            dose("2022-11-01", "comirnaty-bivalent", "GK2936", 4),
        ],
        issuer: "131016".parse().unwrap(),
        id: CertificateId::from_random_bytes([
            0x3c, 0x1f, 0x9a, 0x02, 0x77, 0x41, 0xd0, 0x5e, 0x8b, 0x66, 0x10, 0xfa, 0x2d, 0x93,
            0x4e, 0x01,
        ]),
        issued_on: "2023-01-10".parse().unwrap(),
    })
    .unwrap()
}

pub(crate) fn overseas() -> CertificateKind {
    CertificateKind::Overseas(OverseasHolder {
        romaji_name: RomajiName::new("YAMADA", "HANAKO").unwrap(),
        nationality: "JPN".parse().unwrap(),
        passport_number: "TK1234567".parse().unwrap(),
        sex: None,
    })
}

/// PKCS#8 (v1, as ring writes it) for a P-256 key given as JWK `d`, `x`, `y`.
pub(crate) fn pkcs8_from_jwk(d: &str, x: &str, y: &str) -> Vec<u8> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let dec = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap();
    let mut out =
        hex_bytes("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420");
    out.extend(dec(d));
    out.extend(hex_bytes("a14403420004"));
    out.extend(dec(x));
    out.extend(dec(y));
    out
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

/// The official SHC test key `3Kfdg...` (published test key, not a secret).
pub(crate) fn fixed_key() -> vrs_certificate::IssuerKey {
    let private: serde_json::Value =
        serde_json::from_str(&read("vectors/shc/issuer-jwks.private.json")).unwrap();
    let k = private["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s")
        .unwrap();
    let pkcs8 = pkcs8_from_jwk(
        k["d"].as_str().unwrap(),
        k["x"].as_str().unwrap(),
        k["y"].as_str().unwrap(),
    );
    vrs_certificate::IssuerKey::from_pkcs8(&pkcs8).unwrap()
}

/// Reads a QR matrix back with rqrr (scale 3, quiet zone 4).
pub(crate) fn rqrr_decode(size: usize, dark: impl Fn(usize, usize) -> bool) -> Option<String> {
    let (scale, border) = (3, 4);
    let side = (size + 2 * border) * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |px, py| {
        let (mx, my) = (px / scale, py / scale);
        let on = mx >= border
            && my >= border
            && mx - border < size
            && my - border < size
            && dark(mx - border, my - border);
        if on {
            0
        } else {
            255
        }
    });
    // Take the first candidate grid that decodes (the detector may report extra ones).
    img.detect_grids()
        .iter()
        .find_map(|g| g.decode().ok())
        .map(|(_, s)| s)
}
