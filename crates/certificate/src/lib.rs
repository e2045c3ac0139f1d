//! vrs-certificate: vaccination certificates (S-2-14, A10-2, A10-4-6, T1-4-2).
//!
//! Certificate content (from vrs-domain, never a My Number) becomes a signed SMART
//! Health Card — minified FHIR R4 bundle, raw DEFLATE, JWS ES256 — rendered as one QR
//! code (byte segment `shc:/` + numeric segment, version ≤ 22) in PNG or SVG; overseas
//! certificates also get an ICAO VDS-NC. Each issuing municipality has its own key
//! ([`IssuerKey`], kid = RFC 7638 thumbprint, `iss` = `<base URL>/<code>`), published as
//! a JWKS; revocation uses per-key CRLs with HMAC-derived `rid`s. [`verify_text`] checks
//! cards against a [`TrustList`] and stores nothing. [`render_html`] lays a certificate
//! out as a printable one-page A4 HTML document (Japanese and English, A10-2 fields, QR).
//!
//! ```
//! use vrs_certificate::{issue, verify_text, IssueOptions, Issuer, IssuerKey, Jwks, TrustList};
//! use vrs_domain::*;
//!
//! let content = CertificateContent::new(CertificateParts {
//!     kind: CertificateKind::Domestic,
//!     name: "山田　花子".parse()?,
//!     birth_date: "1980-02-17".parse()?,
//!     doses: vec![CertificateDose {
//!         date: "2021-06-01".parse()?,
//!         site: None,
//!         product: "comirnaty".parse()?,
//!         lot: "FA5765".parse()?,
//!         dose_number: DoseNumber::new(1)?,
//!     }],
//!     issuer: "131016".parse()?,
//!     id: CertificateId::from_random_bytes([7; 16]),
//!     issued_on: "2022-01-04".parse()?,
//! })?;
//! let key = IssuerKey::generate()?;
//! let iss = Issuer::new("https://vrs.example.jp/issuer", content.issuer())?;
//! let card = issue(&content, &key, &IssueOptions { issuer: &iss, nbf: 1_641_254_400, exp: None, rid: None })?;
//! let qr = vrs_certificate::encode_shc(&card.qr_text())?;
//! assert!(qr.version() <= 22);
//!
//! let mut trust = TrustList::japan();
//! trust.add_jwks(iss, Jwks { keys: vec![key.public_jwk()] });
//! let ok = verify_text(&card.qr_text(), &trust, 1_700_000_000.0).expect("valid");
//! assert_eq!(ok.name, "山田\u{3000}花子");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod b64;
mod crl;
mod document;
mod error;
mod html;
pub mod icao;
mod key;
mod numeric;
mod qr;
mod qr_mask;
mod qr_symbol;
mod shc;
mod vds;
mod verify;
mod verify_error;

pub use crl::{Crl, RevocationSecret, Revoked, Rid};
pub use document::certificate_document;
pub use error::CertificateError;
pub use html::{issuer_en, render_html};
pub use key::{
    thumbprint, Directory, DirectoryEntry, Issuer, IssuerKey, Jwk, Jwks, DEFAULT_ISSUER_BASE_URL,
};
pub use numeric::{decode_numeric, MAX_CHUNKS, MAX_CHUNK_JWS, MAX_SINGLE_JWS};
pub use qr::{
    decode_png, encode_bytes, encode_shc, encode_shc_with_mask, EcLevel, QrMatrix,
    MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_PNG_BYTES, MAX_VERSION,
};
pub use shc::{
    fits_one_qr, issue, numeric_text, payload_json, IssueOptions, SignedCertificate, CVX_SYSTEM,
    VC_TYPES,
};
pub use vds::{jcs, uvci, VdsSigner, ICD11_COVID19, ICD11_COVID19_VACCINE};
pub use verify::{
    verify_jws, verify_png, verify_qr_texts, verify_text, Format, Refusal, Stage, TrustList,
    VerifiedCard, VerifiedDose, VerifyCode, VerifyError, JAPAN_ISSUER, MAX_VERIFY_TEXT,
    NBF_LEEWAY_SECONDS,
};
