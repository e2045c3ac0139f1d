//! The one error type of vrs-certificate (issuing, keys, rendering); verification
//! outcomes are values ([`crate::VerifyError`]), not this type.

use thiserror::Error;

/// Why a certificate could not be issued, rendered, or a key or list loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Key bytes (PKCS#8 or the stored blob) were not a P-256 key we can use.
    #[error("issuer key: {reason}")]
    Key {
        /// What was wrong.
        reason: String,
    },
    /// The random number generator failed (no entropy).
    #[error("random number generator failed")]
    Random,
    /// Signing failed inside ring.
    #[error("signing failed")]
    Signing,
    /// The issuer base URL is not an https URL without a trailing slash, query or fragment.
    #[error("issuer base url {url:?}: {reason}")]
    IssuerUrl {
        /// The URL given.
        url: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// The card is too large for one QR code of version 22 even at the lowest error correction.
    #[error("certificate needs {bytes} QR bytes (JWS of {jws_chars} characters); it does not fit one QR code of version 22 or below")]
    QrTooLarge {
        /// Characters of the JWS.
        jws_chars: usize,
        /// Approximate payload size in bytes.
        bytes: usize,
    },
    /// A JSON document (JWKS, CRL, VDS-NC) could not be read or written.
    #[error("{what}: invalid json")]
    Json {
        /// Which document.
        what: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Compressing, or writing an image, failed.
    #[error("{what} failed")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A PNG could not be written or read.
    #[error("png: {reason}")]
    Png {
        /// What went wrong.
        reason: String,
    },
    /// An X.509 certificate could not be parsed or does not fit its use.
    #[error("x509 certificate: {reason}")]
    X509 {
        /// What was wrong.
        reason: String,
    },
    /// The content cannot be expressed in the format (e.g. a VDS-NC field too long).
    #[error("{format}: {reason}")]
    Content {
        /// The format.
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
}
