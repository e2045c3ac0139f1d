//! QR codes: encoding a card as one QR (byte segment `shc:/` + numeric segment, the
//! highest error correction that fits version 22), PNG and SVG rendering, and
//! reading QR codes back from a PNG (rqrr) for the verifier.
//!
//! Encoder: qrcodegen (Project Nayuki). It was the fastest correct crate measured
//! (benches/certificates.rs, `qr_crates` group; docs/PERFORMANCE.md): fast_qr encodes one
//! mode per symbol only, so it cannot make the mixed byte + numeric segments SHC needs,
//! and qrcode was 2–3× slower.
//!
//! Mask: ISO/IEC 18004 selects the mask with the lowest penalty score, and a fixed mask
//! once made a card read as a spurious EAN-13 in zxing-cpp. qrcodegen's own selection
//! scores module by module (≈2.3 ms for a version-22 code), so [`crate::qr_symbol`] builds
//! the unmasked symbol once as bit-packed rows (qrcodegen makes the segments) and
//! [`crate::qr_mask`] derives and scores the eight masks on rows and columns (see
//! docs/PERFORMANCE.md for the figures).
//!
//! Error correction: a SMART Health Card takes the highest level (H, Q, M, L) that fits
//! version 22 (the SHC limit for one code; a 4-dose card is version 22 at M). A VDS-NC
//! takes level M: the highest level that fits version 40 made a 4-dose seal version 38 at
//! H, where version 27 at M holds it, a far smaller symbol for phones and border readers;
//! only a seal M cannot hold in version 40 (nine doses, longest names) falls back to L.

use qrcodegen::{QrCodeEcc, QrSegment};

use crate::qr_mask::{self, Line};
use crate::qr_symbol;
use crate::CertificateError;

/// Highest QR version a card may use (SHC: larger codes scan badly on phones).
pub const MAX_VERSION: u8 = 22;

/// Error-correction level of a rendered code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EcLevel {
    /// ~7 % recovery.
    L,
    /// ~15 %.
    M,
    /// ~25 %.
    Q,
    /// ~30 %.
    H,
}

impl EcLevel {
    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::L => "L",
            Self::M => "M",
            Self::Q => "Q",
            Self::H => "H",
        }
    }
}

/// A QR symbol's modules (true = dark), without quiet zone.
#[derive(Clone)]
pub struct QrMatrix {
    rows: Vec<Line>,
    version: u8,
    mask: u8,
    ec: EcLevel,
}

impl std::fmt::Debug for QrMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QrMatrix(version {}, ec {})",
            self.version(),
            self.ec.as_str()
        )
    }
}

/// Encodes SHC QR text (`shc:/` + digits) as one QR code: a byte segment for `shc:/`
/// and a numeric segment for the digits, at the highest error correction (H, Q, M, L)
/// that fits version 22, with the mask of lowest ISO penalty. Never chunks: text that
/// does not fit is an error.
pub fn encode_shc(qr_text: &str) -> Result<QrMatrix, CertificateError> {
    let segs = shc_segments(qr_text)?;
    LEVELS
        .into_iter()
        .find_map(|(ecl, ec)| encode_at(&segs, ecl, ec, MAX_VERSION, None))
        .ok_or_else(|| too_large(qr_text))
}

fn shc_segments(qr_text: &str) -> Result<[QrSegment; 2], CertificateError> {
    let digits = qr_text
        .strip_prefix("shc:/")
        .ok_or_else(|| CertificateError::Content {
            format: "qr",
            reason: "SHC QR text must start with shc:/".into(),
        })?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CertificateError::Content {
            format: "qr",
            reason: "SHC QR text must be digits after shc:/".into(),
        });
    }
    Ok([
        QrSegment::make_bytes(b"shc:/"),
        QrSegment::make_numeric(digits),
    ])
}

fn too_large(qr_text: &str) -> CertificateError {
    let digits = qr_text.len().saturating_sub(5);
    CertificateError::QrTooLarge {
        jws_chars: digits / 2,
        bytes: 5 + (digits * 10).div_ceil(3 * 8),
    }
}

/// Encodes arbitrary text (e.g. a VDS-NC JSON document) in byte mode at level M (see the
/// module docs; L when M cannot hold it in version 40), the smallest version that holds
/// it, with the mask of lowest penalty.
pub fn encode_bytes(text: &str) -> Result<QrMatrix, CertificateError> {
    let segs = [QrSegment::make_bytes(text.as_bytes())];
    // M, or L for the largest seals (nine doses with long names) that M cannot hold.
    [
        (QrCodeEcc::Medium, EcLevel::M),
        (QrCodeEcc::Low, EcLevel::L),
    ]
    .into_iter()
    .find_map(|(ecl, ec)| encode_at(&segs, ecl, ec, 40, None))
    .ok_or_else(|| CertificateError::Content {
        format: "qr",
        reason: format!("{} bytes do not fit one QR code", text.len()),
    })
}

/// Encodes at one level in the smallest version up to `max`: the unmasked symbol once
/// (`qr_symbol`), then the mask of lowest penalty, or the mask given.
fn encode_at(
    segs: &[QrSegment],
    ecl: QrCodeEcc,
    ec: EcLevel,
    max: u8,
    mask: Option<u8>,
) -> Option<QrMatrix> {
    let sym = qr_symbol::encode(segs, ecl, max, |size| qr_mask::format_modules(size, ecl, 0))?;
    let candidates = qr_mask::Candidates::new(&sym, ecl);
    let (mask, rows) = match mask {
        None => {
            let (k, rows, _) = qr_mask::best(&candidates);
            (k, rows)
        }
        Some(k) => (k, candidates.masked(k).0),
    };
    Some(QrMatrix {
        rows,
        version: sym.version,
        mask,
        ec,
    })
}

/// Like [`encode_shc`] but with the mask pattern given (0–7) instead of the best one: for
/// comparing masks (tests, benchmarks), not for certificates.
pub fn encode_shc_with_mask(qr_text: &str, mask: u8) -> Result<QrMatrix, CertificateError> {
    if mask > 7 {
        return Err(CertificateError::Content {
            format: "qr",
            reason: format!("mask pattern {mask} is not 0-7"),
        });
    }
    let segs = shc_segments(qr_text)?;
    LEVELS
        .into_iter()
        .find_map(|(ecl, ec)| encode_at(&segs, ecl, ec, MAX_VERSION, Some(mask)))
        .ok_or_else(|| too_large(qr_text))
}

const LEVELS: [(QrCodeEcc, EcLevel); 4] = [
    (QrCodeEcc::High, EcLevel::H),
    (QrCodeEcc::Quartile, EcLevel::Q),
    (QrCodeEcc::Medium, EcLevel::M),
    (QrCodeEcc::Low, EcLevel::L),
];

impl QrMatrix {
    /// QR version (1–40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Mask pattern used (0–7).
    pub fn mask(&self) -> u8 {
        self.mask
    }

    /// Error-correction level used.
    pub fn ec_level(&self) -> EcLevel {
        self.ec
    }

    /// The ISO/IEC 18004 §7.8.3 penalty score of this symbol (see `qr_mask`).
    pub fn penalty(&self) -> u32 {
        qr_mask::penalty(&self.rows, &qr_mask::transpose(&self.rows, self.size()))
    }

    /// Modules per side.
    pub fn size(&self) -> usize {
        self.rows.len()
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn dark(&self, x: usize, y: usize) -> bool {
        qr_mask::dark(&self.rows, x, y)
    }

    /// A 1-bit grayscale PNG: `scale` pixels per module, a quiet zone of 4 modules.
    pub fn to_png(&self, scale: u32) -> Result<Vec<u8>, CertificateError> {
        let scale = scale.max(1) as usize;
        let border = 4usize;
        let side = (self.size() + 2 * border) * scale;
        let row_bytes = side.div_ceil(8);
        let mut pixels = vec![0u8; row_bytes * side];
        for py in 0..side {
            let my = py / scale;
            for px in 0..side {
                let mx = px / scale;
                let dark = my >= border
                    && mx >= border
                    && my - border < self.size()
                    && mx - border < self.size()
                    && self.dark(mx - border, my - border);
                if !dark {
                    // 1 = white in grayscale.
                    pixels[py * row_bytes + px / 8] |= 0x80 >> (px % 8);
                }
            }
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::One);
            let png_err = |e: png::EncodingError| CertificateError::Png {
                reason: e.to_string(),
            };
            let mut w = enc.write_header().map_err(png_err)?;
            w.write_image_data(&pixels).map_err(png_err)?;
        }
        Ok(out)
    }

    /// An SVG image: one path of unit squares, quiet zone of 4 modules, crisp edges.
    pub fn to_svg(&self) -> String {
        let n = self.size() + 8;
        let mut path = String::with_capacity(self.size() * self.size() * 4);
        for y in 0..self.size() {
            for x in 0..self.size() {
                if self.dark(x, y) {
                    path.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\"><rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>\n"
        )
    }
}

/// Largest PNG file the verifier reads.
pub const MAX_PNG_BYTES: usize = 8 * 1024 * 1024;

/// Widest or tallest image the verifier decodes, in pixels. A version-22 QR
/// (105 modules and a 4-module quiet zone) at 16 pixels a module is 1,808.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// Most pixels the verifier decodes (2048 × 2048). Checked from the PNG header
/// before anything is inflated, so a decompression bomb (a 48 KB PNG that says
/// 20000 × 20000) costs nothing; the decoded image, its grey copy and the QR
/// reader's copy stay under 24 MiB.
pub const MAX_IMAGE_PIXELS: u64 = 2048 * 2048;

/// Most QR candidates tried in one image (finder-like patterns make extra ones).
const MAX_GRIDS: usize = 16;

/// Bytes the PNG decoder may allocate (frame buffer and ancillary chunks).
const PNG_DECODER_LIMIT: usize = 20 * 1024 * 1024;

/// Reads every QR code in a PNG image and returns their texts. The file size, the
/// image's dimensions and the decoder's allocations are bounded before decoding
/// (issue 13, defect 4).
pub fn decode_png(png_bytes: &[u8]) -> Result<Vec<String>, CertificateError> {
    let refuse = |reason: String| CertificateError::Png { reason };
    if png_bytes.len() > MAX_PNG_BYTES {
        return Err(refuse(format!(
            "the file is larger than {MAX_PNG_BYTES} bytes"
        )));
    }
    let png_err = |e: png::DecodingError| CertificateError::Png {
        reason: e.to_string(),
    };
    let mut decoder = png::Decoder::new_with_limits(
        png_bytes,
        png::Limits {
            bytes: PNG_DECODER_LIMIT,
        },
    );
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(png_err)?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(refuse(format!(
            "the image is {width} × {height} pixels: at most {MAX_IMAGE_SIDE} a side and \
             {MAX_IMAGE_PIXELS} in all"
        )));
    }
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(png_err)?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma = |x: usize, y: usize| -> u8 {
        let i = (y * info.line_size) + x * channels;
        match info.color_type {
            png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => buf[i],
            _ => {
                let (r, g, b) = (buf[i] as u32, buf[i + 1] as u32, buf[i + 2] as u32);
                ((r * 299 + g * 587 + b * 114) / 1000) as u8
            }
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    drop(buf);
    // Finder-like patterns in the data can make the detector report extra candidate
    // grids; keep every grid that decodes and fail only when none does.
    // rqrr 0.9.3 asserts on some crafted images (`scan >= 1` in its timing-pattern
    // measure, found by the `png_qr` fuzz target, fixtures/fuzz/): its panic is
    // contained here and the image reported as unreadable, never a crash.
    let detected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut texts = Vec::new();
        let mut last_error = None;
        for grid in img.detect_grids().into_iter().take(MAX_GRIDS) {
            match grid.decode() {
                Ok((_, text)) => texts.push(text),
                Err(e) => last_error = Some(e.to_string()),
            }
        }
        (texts, last_error)
    }));
    let Ok((texts, last_error)) = detected else {
        return Err(refuse(
            "the QR detector failed on this image (not a readable QR code)".into(),
        ));
    };
    if texts.is_empty() {
        return Err(CertificateError::Png {
            reason: match last_error {
                Some(e) => format!("a QR code was found but could not be decoded ({e})"),
                None => "no QR code found in the image".into(),
            },
        });
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_example_00_qr_renders_and_reads_back() {
        let text =
            include_str!("../../../fixtures/vectors/shc/example-00-f-qr-code-numeric-value-0.txt")
                .trim();
        let qr = encode_shc(text).unwrap();
        assert!(qr.version() <= MAX_VERSION);
        let png = qr.to_png(4).unwrap();
        assert_eq!(decode_png(&png).unwrap(), vec![text.to_owned()]);
        assert!(qr.to_svg().starts_with("<svg"));
    }

    #[test]
    fn a_chunk_sized_text_is_refused_not_chunked() {
        let text = format!("shc:/{}", "5".repeat(2 * 1400));
        assert!(matches!(
            encode_shc(&text),
            Err(CertificateError::QrTooLarge { .. })
        ));
    }

    #[test]
    fn malformed_qr_text_is_refused() {
        for text in ["", "shc:/12a4", "HC1:123"] {
            assert!(encode_shc(text).is_err(), "text {text:?}");
        }
    }
}
