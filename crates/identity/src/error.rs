//! The one error type of vrs-identity: why a card or a passport was not accepted.

use std::fmt;

use thiserror::Error;

use crate::mrz::MrzFault;

/// A file of the card's input-support AP (券面事項入力補助AP), or a part of a card dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardFile {
    /// EF 0001: the My Number.
    Ef0001,
    /// EF 0002: name, address, birth date, sex.
    Ef0002,
    /// EF 0003: the hashes of EF 0001 and EF 0002 and their signature.
    Ef0003,
    /// EF 0004: the card-verifiable certificate of the signing key.
    Ef0004,
    /// EF 0007: the AP's own key, used to sign a caller's nonce.
    Ef0007,
    /// The caller's nonce (liveness challenge).
    Nonce,
    /// The card's signature over the nonce.
    NonceSignature,
}

impl CardFile {
    /// The lowercase name used in JSON and messages (`ef0001`, ..., `nonce_signature`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ef0001 => "ef0001",
            Self::Ef0002 => "ef0002",
            Self::Ef0003 => "ef0003",
            Self::Ef0004 => "ef0004",
            Self::Ef0007 => "ef0007",
            Self::Nonce => "nonce",
            Self::NonceSignature => "nonce_signature",
        }
    }
}

impl fmt::Display for CardFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why identity data was not accepted.
///
/// Card verification fails in stages, each with its own variant: the bytes
/// ([`Malformed`](Self::Malformed)), the CA lookup ([`UnknownCa`](Self::UnknownCa)),
/// the certificate ([`BadCertificate`](Self::BadCertificate)), the data signature
/// ([`BadSignature`](Self::BadSignature)), the hashes
/// ([`HashMismatch`](Self::HashMismatch)) and liveness
/// ([`BadLiveness`](Self::BadLiveness)). Messages are lowercase and never hold a
/// My Number or other card contents.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A card file does not have the documented structure.
    #[error("{file}: malformed at offset {offset}: {what}")]
    Malformed {
        /// Which file.
        file: CardFile,
        /// Byte offset from the start of the file where the problem was found.
        offset: usize,
        /// What was wrong.
        what: &'static str,
    },
    /// A hash in EF 0003 does not match the file it covers.
    #[error("{file}: its sha-256 does not match the hash signed in ef0003")]
    HashMismatch {
        /// The file whose hash differs (EF 0001 or EF 0002).
        file: CardFile,
    },
    /// The signature in EF 0003 does not verify with the key certified by EF 0004.
    #[error("ef0003: signature does not verify with the key certified in ef0004")]
    BadSignature,
    /// The certificate in EF 0004 does not verify with its issuing CA key.
    #[error("ef0004: certificate signature does not verify with ca key {key_id}")]
    BadCertificate {
        /// The issuer key ID (hex) named by the certificate.
        key_id: String,
    },
    /// EF 0004 names an issuer key that is not among the trust anchors.
    #[error("ef0004: issuer key {key_id} is not a trusted card ca")]
    UnknownCa {
        /// The 16-byte issuer key ID, in hex.
        key_id: String,
    },
    /// Liveness was demanded or attempted and could not be proven.
    #[error("liveness not proven: {reason}")]
    BadLiveness {
        /// Why.
        reason: &'static str,
    },
    /// A card dump (JSON) could not be read.
    #[error("card dump: {reason}")]
    Dump {
        /// What was wrong.
        reason: String,
    },
    /// A trust anchor file could not be read.
    #[error("trust anchors: {reason}")]
    Anchors {
        /// What was wrong.
        reason: String,
    },
    /// The passport MRZ is not a valid TD3 passport MRZ.
    #[error("invalid passport mrz: {}", faults_text(.faults))]
    InvalidMrz {
        /// Every fault found, in MRZ position order.
        faults: Vec<MrzFault>,
    },
    /// The passport expired before the day it was checked on (A10-4-7).
    #[error("passport expired on {expired_on} (checked on {checked_on})")]
    PassportExpired {
        /// The expiry date in the MRZ.
        expired_on: chrono::NaiveDate,
        /// The day of the check.
        checked_on: chrono::NaiveDate,
    },
    /// The card's and the passport's birth dates differ.
    #[error("the card's and the passport's birth dates differ")]
    BirthDateMismatch,
    /// The passport's name is not a romaji name a certificate can print.
    #[error("passport name: {reason}")]
    RomajiName {
        /// Why (the domain's check, naming the field).
        reason: String,
    },
}

fn faults_text(faults: &[MrzFault]) -> String {
    faults
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl IdentityError {
    /// The machine-readable kind used in JSON output, e.g. `"hash_mismatch"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::HashMismatch { .. } => "hash_mismatch",
            Self::BadSignature => "bad_signature",
            Self::BadCertificate { .. } => "bad_certificate",
            Self::UnknownCa { .. } => "unknown_ca",
            Self::BadLiveness { .. } => "bad_liveness",
            Self::Dump { .. } => "dump",
            Self::Anchors { .. } => "anchors",
            Self::InvalidMrz { .. } => "invalid_mrz",
            Self::PassportExpired { .. } => "passport_expired",
            Self::BirthDateMismatch => "birth_date_mismatch",
            Self::RomajiName { .. } => "romaji_name",
        }
    }
}
