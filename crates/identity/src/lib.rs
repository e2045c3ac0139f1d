//! vrs-identity: identity verification for electronic issuance (V8, P9, S-2-14, A10-4).
//!
//! * [`card`]: the My Number card's input-support AP (券面事項入力補助AP). A
//!   [`CardDump`] (the files an NFC reader returns) is parsed strictly and its
//!   signature chain verified up to a pinned CA key ([`TrustAnchors`]); success, and
//!   only success, yields a [`VerifiedCardHolder`]. A nonce signed by the card
//!   proves liveness.
//! * [`mrz`]: the passport's machine-readable zone (ICAO 9303 TD3), strict by
//!   default with an optional OCR repair; a faultless reading yields a [`Passport`].
//! * [`crosscheck`]: the card and the passport must agree on the birth date; the
//!   passport's romaji name becomes the certificate's.
//!
//! ```
//! use chrono::NaiveDate;
//! use vrs_identity::mrz::{parse_td3, MrzOptions};
//!
//! let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
//! let p = parse_td3(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
//!     "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     &MrzOptions::new(today),
//! )?;
//! assert_eq!(p.surname(), "ERIKSSON");
//! assert!(p.check_unexpired(today).is_err()); // the specimen expired in 2012
//! # Ok::<(), vrs_identity::IdentityError>(())
//! ```
//!
//! Error messages never contain a My Number or other card contents.

pub mod card;
pub mod crosscheck;
mod error;
pub mod mrz;
mod tlv;

pub use card::{CardDump, CardVerifier, TrustAnchor, TrustAnchors, VerifiedCardHolder};
pub use crosscheck::{RomajiName, VerifiedOverseasApplicant};
pub use error::{CardFile, IdentityError};
pub use mrz::{MrzFault, MrzOptions, MrzReading, Passport};
