//! Why a certificate was refused: one typed code per reason, grouped by the stage
//! of verification that found it, with a message for people. The codes' snake_case
//! names are the stable strings machines read (`{"code":"bad_signature",...}`).

use std::fmt;

use serde::Serialize;

/// The stage of verification that refused a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Reading the input: QR text, chunks, JWS or JSON structure, sizes.
    Decode,
    /// The signature: algorithm, key, issuer, signer chain.
    Signature,
    /// The signed content: payload, credential type, immunization entries.
    Content,
    /// Validity in time and revocation.
    Validity,
}

/// Why a certificate was refused, as a stable code (`Debug` and `Display` print the
/// code, as they did when codes were strings).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerifyCode {
    /// The input is not a well-formed QR text, JWS, card file or VDS-NC document.
    Malformed,
    /// The signature algorithm is not ES256.
    UnsupportedAlgorithm,
    /// No trusted issuer has a key with the JWS's `kid`.
    UnknownKey,
    /// The key is not trusted for the payload's `iss`.
    UnknownIssuer,
    /// The VDS-NC signer certificate does not chain to a trusted CSCA or is not a barcode signer.
    UntrustedSigner,
    /// The signature does not verify.
    BadSignature,
    /// The signed payload is not what a card holds (inflation, JSON, fields).
    BadPayload,
    /// The card is not a COVID-19 immunization card.
    NotImmunizationCard,
    /// `nbf` lies too far in the future.
    NotYetValid,
    /// `exp` has passed.
    Expired,
    /// The issuer revoked the card.
    Revoked,
    /// Revocation could not be checked.
    RevocationUnknown,
}

impl VerifyCode {
    /// The stable code, e.g. `bad_signature`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::UnknownIssuer => "unknown_issuer",
            Self::UntrustedSigner => "untrusted_signer",
            Self::BadSignature => "bad_signature",
            Self::BadPayload => "bad_payload",
            Self::NotImmunizationCard => "not_immunization_card",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::RevocationUnknown => "revocation_unknown",
        }
    }

    /// The stage of verification that finds this reason.
    pub fn stage(self) -> Stage {
        match self {
            Self::Malformed => Stage::Decode,
            Self::UnsupportedAlgorithm
            | Self::UnknownKey
            | Self::UnknownIssuer
            | Self::UntrustedSigner
            | Self::BadSignature => Stage::Signature,
            Self::BadPayload | Self::NotImmunizationCard => Stage::Content,
            Self::NotYetValid | Self::Expired | Self::Revoked | Self::RevocationUnknown => {
                Stage::Validity
            }
        }
    }
}

impl fmt::Display for VerifyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for VerifyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for VerifyCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Why a certificate was refused: the code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyError {
    /// The stable code.
    pub code: VerifyCode,
    /// Human-readable explanation.
    pub message: String,
}

impl VerifyError {
    pub(crate) fn new(code: VerifyCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_as_its_stable_string_and_belongs_to_a_stage() {
        use VerifyCode::*;
        for (code, text, stage) in [
            (Malformed, "malformed", Stage::Decode),
            (
                UnsupportedAlgorithm,
                "unsupported_algorithm",
                Stage::Signature,
            ),
            (UnknownKey, "unknown_key", Stage::Signature),
            (UnknownIssuer, "unknown_issuer", Stage::Signature),
            (UntrustedSigner, "untrusted_signer", Stage::Signature),
            (BadSignature, "bad_signature", Stage::Signature),
            (BadPayload, "bad_payload", Stage::Content),
            (NotImmunizationCard, "not_immunization_card", Stage::Content),
            (NotYetValid, "not_yet_valid", Stage::Validity),
            (Expired, "expired", Stage::Validity),
            (Revoked, "revoked", Stage::Validity),
            (RevocationUnknown, "revocation_unknown", Stage::Validity),
        ] {
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
            assert_eq!(format!("{code:?}"), text);
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{text}\""));
            assert!(code == text, "{code:?} == {text:?}");
            assert_eq!(code.stage(), stage, "{code:?}");
        }
        assert!(VerifyCode::Expired != "revoked");
    }
}
