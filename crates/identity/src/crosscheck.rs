//! Cross-checks for electronic issuance: the card and the passport must describe one person.
//!
//! Kanji (card) and romaji (passport) names cannot be compared character by
//! character, so they are not: the birth dates must match, and the passport's
//! romaji name becomes the certificate's romaji name.

use chrono::NaiveDate;

use crate::card::VerifiedCardHolder;
use crate::error::IdentityError;
use crate::mrz::Passport;
pub use vrs_domain::RomajiName;

/// The certificate's romaji name: the passport's, as the MRZ writes it, checked
/// once as the domain's [`RomajiName`] (the one romaji name type of the project).
///
/// A name the domain cannot hold (no primary identifier, or characters outside
/// `A-Z`, space and `-`) is an [`IdentityError::RomajiName`].
pub fn certificate_romaji_name(passport: &Passport) -> Result<RomajiName, IdentityError> {
    RomajiName::new(passport.surname(), passport.given_names()).map_err(|e| {
        IdentityError::RomajiName {
            reason: e.to_string(),
        }
    })
}

/// The card's (signed) birth date must equal the passport's.
pub fn check_birth_dates(
    card: &VerifiedCardHolder,
    passport: &Passport,
) -> Result<(), IdentityError> {
    if card.birth_date().date() == passport.birth_date() {
        Ok(())
    } else {
        Err(IdentityError::BirthDateMismatch)
    }
}

/// An applicant for an overseas certificate whose card verified, whose passport MRZ
/// is valid and unexpired on the day of application, and whose birth dates agree.
#[derive(Debug, Clone)]
pub struct VerifiedOverseasApplicant {
    holder: VerifiedCardHolder,
    passport: Passport,
    romaji_name: RomajiName,
}

impl VerifiedOverseasApplicant {
    /// Runs every cross-check (A10-4-7 expiry on `on`, then the birth dates, then
    /// the romaji name).
    pub fn cross_check(
        holder: VerifiedCardHolder,
        passport: Passport,
        on: NaiveDate,
    ) -> Result<Self, IdentityError> {
        passport.check_unexpired(on)?;
        check_birth_dates(&holder, &passport)?;
        let romaji_name = certificate_romaji_name(&passport)?;
        Ok(Self {
            holder,
            passport,
            romaji_name,
        })
    }

    /// The verified card holder.
    pub fn holder(&self) -> &VerifiedCardHolder {
        &self.holder
    }

    /// The passport (number and nationality go into the certificate document).
    pub fn passport(&self) -> &Passport {
        &self.passport
    }

    /// The romaji name for the certificate.
    pub fn romaji_name(&self) -> &RomajiName {
        &self.romaji_name
    }
}
