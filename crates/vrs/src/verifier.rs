//! The public verifier's use case (`/verify`): a certificate checked against this
//! instance's published issuer keys and revocation lists. Nothing read is stored
//! or audited (A10-6-1): the certificate is the holder's, shown to the verifier,
//! and the service keeps no trace of who showed what.

use vrs_certificate::{verify_png, verify_text, VerifiedCard};

use crate::{Vrs, VrsError};

/// Why a certificate is not valid: every error the verifier found.
pub type VerifyRefusal = vrs_certificate::Refusal;

impl Vrs {
    /// A10-6-1: verifies QR text(s), a compact JWS or a `.smart-health-card` file
    /// against the keys and revocation lists this instance publishes (and Japan's
    /// real issuer keys), at the clock's time. Reads keys; writes nothing.
    pub fn verify_certificate(
        &self,
        text: &str,
    ) -> Result<Result<VerifiedCard, VerifyRefusal>, VrsError> {
        let trust = self.trust_list()?;
        let at = self.clock.now().timestamp() as f64;
        Ok(verify_text(text, &trust, at))
    }

    /// A10-6-1: [`Vrs::verify_certificate`] of the QR code(s) in a PNG image
    /// (bounded by the decoder's size limits).
    pub fn verify_certificate_png(
        &self,
        png: &[u8],
    ) -> Result<Result<VerifiedCard, VerifyRefusal>, VrsError> {
        let trust = self.trust_list()?;
        let at = self.clock.now().timestamp() as f64;
        Ok(verify_png(png, &trust, at))
    }
}
