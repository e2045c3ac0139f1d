//! `CertificateContent`: what a vaccination certificate (接種証明書) says, never a My Number.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    BirthDate, DomainError, DoseNumber, LotNumber, MunicipalityCode, PersonName, VaccineProduct,
};

/// A certificate's identifier: 32 lowercase hexadecimal digits (128 bits).
///
/// It must be unique and unguessable: the caller draws it from a CSPRNG
/// ([`CertificateId::from_random_bytes`]); this type only checks its shape.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CertificateId(String);

impl CertificateId {
    /// Builds an id from 16 bytes the caller took from a CSPRNG.
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        use std::fmt::Write;
        let mut s = String::with_capacity(32);
        for b in bytes {
            let _ = write!(s, "{b:02x}");
        }
        Self(s)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CertificateId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "certificate_id";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        if s.len() != 32 {
            return Err(DomainError::Length {
                field: FIELD,
                expected: "32",
                actual: s.chars().count(),
            });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(DomainError::Character {
                field: FIELD,
                reason: "only lowercase hexadecimal digits are allowed",
            });
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateId({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CertificateId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A name in the Latin letters of a passport's MRZ (e.g. `YAMADA` / `HANAKO`):
/// uppercase ASCII letters, spaces and '-' within each part.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RomajiName {
    family: String,
    given: String,
}

impl RomajiName {
    /// Checks a family and a given name (the given name may be empty, as MRZs allow).
    pub fn new(family: &str, given: &str) -> Result<Self, DomainError> {
        const FIELD: &str = "romaji_name";
        if family.trim().is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        for part in [family, given] {
            if !part
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b' ' || b == b'-')
            {
                return Err(DomainError::Character {
                    field: FIELD,
                    reason: "only uppercase ASCII letters, spaces and '-' are allowed",
                });
            }
            if part.len() > 39 {
                return Err(DomainError::Length {
                    field: FIELD,
                    expected: "at most 39 per part",
                    actual: part.len(),
                });
            }
        }
        Ok(Self {
            family: family.trim().to_owned(),
            given: given.trim().to_owned(),
        })
    }

    /// Family name (surname).
    pub fn family(&self) -> &str {
        &self.family
    }

    /// Given names.
    pub fn given(&self) -> &str {
        &self.given
    }
}

impl fmt::Display for RomajiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.given.is_empty() {
            f.write_str(&self.family)
        } else {
            write!(f, "{} {}", self.family, self.given)
        }
    }
}

impl fmt::Debug for RomajiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RomajiName({self})")
    }
}

/// A nationality as an ICAO 9303 three-letter code (`JPN`, `USA`, `D`+`<<` written as `D`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Nationality(String);

impl Nationality {
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Nationality {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "nationality";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        if !(1..=3).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(DomainError::Invalid {
                field: FIELD,
                reason: "expected an ICAO 9303 code of 1 to 3 uppercase letters".into(),
            });
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nationality({})", self.0)
    }
}

/// A passport number as printed in the MRZ: 1–9 uppercase ASCII letters or digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PassportNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "passport_number";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        if s.len() > 9 {
            return Err(DomainError::Length {
                field: FIELD,
                expected: "1 to 9",
                actual: s.chars().count(),
            });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(DomainError::Character {
                field: FIELD,
                reason: "only uppercase ASCII letters and digits are allowed",
            });
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassportNumber({})", self.0)
    }
}

/// What an overseas certificate adds about its holder (from the passport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverseasHolder {
    /// Name as in the passport's MRZ.
    pub romaji_name: RomajiName,
    /// Nationality code.
    pub nationality: Nationality,
    /// Passport number.
    pub passport_number: PassportNumber,
    /// Sex as the passport's MRZ gives it (`None` when it says unspecified).
    pub sex: Option<crate::Sex>,
}

/// Domestic (国内用) or overseas (海外用) certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateKind {
    /// For use in Japan: kanji name only.
    Domestic,
    /// For travel: adds the passport's romaji name, nationality and number.
    Overseas(OverseasHolder),
}

impl CertificateKind {
    /// `"domestic"` or `"overseas"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Domestic => "domestic",
            Self::Overseas(_) => "overseas",
        }
    }
}

/// One dose as a certificate states it. The country is always Japan ([`CertificateDose::COUNTRY`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDose {
    /// Day of vaccination (Japan time).
    pub date: NaiveDate,
    /// Where it was given, as recorded (`None`: not recorded; the issuer stands in).
    pub site: Option<DoseSite>,
    /// The product (gives the CVX code).
    pub product: VaccineProduct,
    /// Lot number.
    pub lot: LotNumber,
    /// Which dose of the series.
    pub dose_number: DoseNumber,
}

/// The vaccination site of a dose as recorded: the municipality whose venue gave it and
/// the venue's name when one was entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseSite {
    /// The municipality of the venue (接種実施市区町村).
    pub municipality: crate::MunicipalityCode,
    /// The venue (接種会場), if recorded.
    pub venue: Option<crate::VenueName>,
}

impl CertificateDose {
    /// Country of vaccination: Japan, as an ISO 3166-1 alpha-3 code.
    pub const COUNTRY: &'static str = "JPN";

    /// The CVX code of the product.
    pub fn cvx(&self) -> &'static str {
        self.product.cvx()
    }
}

/// The inputs of [`CertificateContent::new`], checked together there.
#[derive(Debug, Clone)]
pub struct CertificateParts {
    /// Domestic, or overseas with the passport data.
    pub kind: CertificateKind,
    /// Holder's name in kanji as the resident registry has it.
    pub name: PersonName,
    /// Holder's date of birth.
    pub birth_date: BirthDate,
    /// Doses in the order given; must be ascending by dose number and date.
    pub doses: Vec<CertificateDose>,
    /// The municipality that holds the record and issues (T1-4-2).
    pub issuer: MunicipalityCode,
    /// Unique, unguessable id.
    pub id: CertificateId,
    /// Day of issue (Japan time).
    pub issued_on: NaiveDate,
}

/// What a certificate says: holder, doses, issuer, id, date and kind. There is no field
/// for a My Number, so none can reach a certificate or a QR code (D12-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateContent {
    kind: CertificateKind,
    name: PersonName,
    birth_date: BirthDate,
    doses: Vec<CertificateDose>,
    issuer: MunicipalityCode,
    id: CertificateId,
    issued_on: NaiveDate,
}

/// Most doses one certificate lists (one QR code must still hold them).
pub const MAX_CERTIFICATE_DOSES: usize = 9;

impl CertificateContent {
    /// Checks the parts: 1 to 9 doses, strictly ascending dose numbers, dates not before
    /// the previous dose, not before birth, and not after the issue date.
    pub fn new(parts: CertificateParts) -> Result<Self, DomainError> {
        const FIELD: &str = "certificate";
        let invalid = |reason: String| DomainError::Invalid {
            field: FIELD,
            reason,
        };
        if parts.doses.is_empty() {
            return Err(invalid("a certificate needs at least one dose".into()));
        }
        if parts.doses.len() > MAX_CERTIFICATE_DOSES {
            return Err(invalid(format!(
                "{} doses, at most {MAX_CERTIFICATE_DOSES} fit on one certificate",
                parts.doses.len()
            )));
        }
        let born = parts.birth_date.date();
        let mut previous: Option<&CertificateDose> = None;
        for dose in &parts.doses {
            if dose.date < born {
                return Err(invalid(format!(
                    "dose {} on {} is before the birth date",
                    dose.dose_number, dose.date
                )));
            }
            if dose.date > parts.issued_on {
                return Err(invalid(format!(
                    "dose {} on {} is after the issue date {}",
                    dose.dose_number, dose.date, parts.issued_on
                )));
            }
            if let Some(p) = previous {
                if dose.dose_number <= p.dose_number || dose.date < p.date {
                    return Err(invalid(format!(
                        "dose {} on {} does not follow dose {} on {}",
                        dose.dose_number, dose.date, p.dose_number, p.date
                    )));
                }
            }
            previous = Some(dose);
        }
        Ok(Self {
            kind: parts.kind,
            name: parts.name,
            birth_date: parts.birth_date,
            doses: parts.doses,
            issuer: parts.issuer,
            id: parts.id,
            issued_on: parts.issued_on,
        })
    }

    /// Domestic or overseas, with the passport data.
    pub fn kind(&self) -> &CertificateKind {
        &self.kind
    }

    /// Holder's kanji name.
    pub fn name(&self) -> &PersonName {
        &self.name
    }

    /// Holder's birth date.
    pub fn birth_date(&self) -> BirthDate {
        self.birth_date
    }

    /// The doses, ascending.
    pub fn doses(&self) -> &[CertificateDose] {
        &self.doses
    }

    /// Issuing municipality.
    pub fn issuer(&self) -> MunicipalityCode {
        self.issuer
    }

    /// Certificate id.
    pub fn id(&self) -> &CertificateId {
        &self.id
    }

    /// Day of issue.
    pub fn issued_on(&self) -> NaiveDate {
        self.issued_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(date: &str, n: u8) -> CertificateDose {
        CertificateDose {
            date: date.parse().unwrap(),
            site: None,
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            dose_number: DoseNumber::new(n).unwrap(),
        }
    }

    fn parts(doses: Vec<CertificateDose>) -> CertificateParts {
        CertificateParts {
            kind: CertificateKind::Domestic,
            name: "山田　花子".parse().unwrap(),
            birth_date: "1980-02-17".parse().unwrap(),
            doses,
            issuer: "131016".parse().unwrap(),
            id: CertificateId::from_random_bytes([7; 16]),
            issued_on: "2022-03-01".parse().unwrap(),
        }
    }

    #[test]
    fn certificate_content_table() {
        for (name, doses, ok) in [
            (
                "two doses in order",
                vec![dose("2021-06-01", 1), dose("2021-06-22", 2)],
                true,
            ),
            (
                "same day is allowed here",
                vec![dose("2021-06-01", 1), dose("2021-06-01", 2)],
                true,
            ),
            ("no dose", vec![], false),
            (
                "dose numbers not ascending",
                vec![dose("2021-06-01", 2), dose("2021-06-22", 1)],
                false,
            ),
            (
                "dates going back",
                vec![dose("2021-06-22", 1), dose("2021-06-01", 2)],
                false,
            ),
            ("before birth", vec![dose("1979-06-01", 1)], false),
            ("after issue", vec![dose("2022-03-02", 1)], false),
        ] {
            assert_eq!(
                CertificateContent::new(parts(doses)).is_ok(),
                ok,
                "case {name}"
            );
        }
    }

    #[test]
    fn certificate_id_table() {
        for (input, ok) in [
            ("0123456789abcdef0123456789abcdef", true),
            ("0123456789ABCDEF0123456789ABCDEF", false),
            ("0123456789abcdef", false),
            ("", false),
            ("0123456789abcdef0123456789abcdeg", false),
            ("0123456789abcdef0123456789abcdef0", false),
            ("0123456789abcdef0123456789abcde-", false),
        ] {
            assert_eq!(
                input.parse::<CertificateId>().is_ok(),
                ok,
                "input {input:?}"
            );
        }
        for (input, want) in [
            ("", "certificate_id: empty"),
            ("abc", "certificate_id: expected 32 characters, got 3"),
            (
                "0123456789ABCDEF0123456789abcdef",
                "certificate_id: only lowercase hexadecimal digits are allowed",
            ),
        ] {
            assert_eq!(
                input
                    .parse::<CertificateId>()
                    .map_err(|e| e.to_string())
                    .err(),
                Some(want.to_owned()),
                "input {input:?}"
            );
        }
        let id = CertificateId::from_random_bytes([0xab; 16]);
        assert_eq!(id.as_str(), "ab".repeat(16));
        assert_eq!(id.as_str().parse::<CertificateId>().unwrap(), id);
    }

    #[test]
    fn passport_fields_table() {
        for (input, ok) in [
            ("TK1234567", true),
            ("T", true),
            ("123456789", true),
            ("tk123", false),
            ("TK-123", false),
            ("TK12345678", false),
            ("TK123456789", false),
            ("", false),
        ] {
            assert_eq!(
                input.parse::<PassportNumber>().is_ok(),
                ok,
                "passport {input:?}"
            );
        }
        for (input, ok) in [
            ("JPN", true),
            ("D", true),
            ("jpn", false),
            ("J1", false),
            ("JAPN", false),
            ("JAPAN", false),
        ] {
            assert_eq!(
                input.parse::<Nationality>().is_ok(),
                ok,
                "nationality {input:?}"
            );
        }
        for (family, given, ok) in [
            ("YAMADA", "HANAKO", true),
            ("VAN DER-BERG", "", true),
            ("Yamada", "HANAKO", false),
            ("YAMADA", "Hanako", false),
            ("YAMADA", "HANA_KO", false),
            ("", "HANAKO", false),
            ("  ", "HANAKO", false),
            (&"A".repeat(39), &"B".repeat(39), true),
            (&"A".repeat(40), "B", false),
            ("A", &"B".repeat(40), false),
        ] {
            assert_eq!(
                RomajiName::new(family, given).is_ok(),
                ok,
                "romaji {family:?} {given:?}"
            );
        }
        for (input, want) in [
            ("", "passport_number: empty"),
            (
                "TK123456789",
                "passport_number: expected 1 to 9 characters, got 11",
            ),
            (
                "tk1",
                "passport_number: only uppercase ASCII letters and digits are allowed",
            ),
        ] {
            assert_eq!(
                input
                    .parse::<PassportNumber>()
                    .map_err(|e| e.to_string())
                    .err(),
                Some(want.to_owned()),
                "passport {input:?}"
            );
        }
        assert_eq!("TK1".parse::<PassportNumber>().unwrap().as_str(), "TK1");
        assert_eq!(
            "".parse::<Nationality>().map_err(|e| e.to_string()).err(),
            Some("nationality: empty".to_owned())
        );
        assert_eq!("JPN".parse::<Nationality>().unwrap().as_str(), "JPN");
        let name = RomajiName::new(" YAMADA ", " HANAKO ").unwrap();
        assert_eq!((name.family(), name.given()), ("YAMADA", "HANAKO"));
        assert_eq!(
            RomajiName::new("A", &"B".repeat(40))
                .map_err(|e| e.to_string())
                .err(),
            Some("romaji_name: expected at most 39 per part characters, got 40".to_owned())
        );
    }
}
