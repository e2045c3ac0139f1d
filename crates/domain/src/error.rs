//! The one error type of vrs-domain: why a value could not become an identifier.

use thiserror::Error;

/// Why a piece of outside input is not a valid domain value.
///
/// Messages are lowercase, name the field and the reason, and never echo a
/// My Number's digits.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The input was empty (after trimming).
    #[error("{field}: empty")]
    Empty {
        /// Which identifier was being parsed.
        field: &'static str,
    },
    /// The input had the wrong number of characters.
    #[error("{field}: expected {expected} characters, got {actual}")]
    Length {
        /// Which identifier was being parsed.
        field: &'static str,
        /// What the rules require, e.g. `"12"` or `"1 to 15"`.
        expected: &'static str,
        /// How many characters the input had.
        actual: usize,
    },
    /// The input held a character the identifier does not allow.
    #[error("{field}: {reason}")]
    Character {
        /// Which identifier was being parsed.
        field: &'static str,
        /// What was wrong, e.g. "only ASCII digits are allowed".
        reason: &'static str,
    },
    /// A check digit did not match.
    #[error("{field}: check digit does not match")]
    CheckDigit {
        /// Which identifier was being parsed.
        field: &'static str,
    },
    /// A well-formed local government code that no registry row has.
    #[error("municipality_code: {code} is not a registered local government code")]
    UnknownMunicipality {
        /// The six-digit code (not personal data).
        code: String,
    },
    /// A registered code of the wrong kind for this use (e.g. a prefecture where a municipality is needed).
    #[error("{field}: {code} is a {kind}, not a {wanted}")]
    WrongKind {
        /// Which identifier was being parsed.
        field: &'static str,
        /// The code that was given.
        code: String,
        /// What it is.
        kind: &'static str,
        /// What was needed.
        wanted: &'static str,
    },
    /// A value outside its allowed range or set.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which identifier was being parsed.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
}
