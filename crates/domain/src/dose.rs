//! Vaccination records: the ticket's `OcrLine`, `DoseId`, venue and doctor names,
//! what a venue enters (`DoseEntry`) and a stored `Dose` with its status.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::{
    DomainError, DoseNumber, LotNumber, MunicipalityCode, Principal, TicketNumber, VaccineProduct,
};

/// The 18-digit OCR line printed on a vaccination ticket (接種券): ticket kind (1
/// digit), dose count (1 digit), issuing municipality code (6 digits with its
/// JIS X 0402 check digit) and ticket number (10 digits).
///
/// The issuing municipality is the person's residence municipality (住所地) and
/// must be a registered municipality or special ward.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OcrLine {
    kind: u8,
    dose_count: u8,
    municipality: MunicipalityCode,
    ticket: TicketNumber,
}

impl OcrLine {
    /// Builds a line from its parts (e.g. for generated test tickets).
    pub fn new(
        kind: u8,
        dose_count: u8,
        municipality: MunicipalityCode,
        ticket: TicketNumber,
    ) -> Result<Self, DomainError> {
        if kind > 9 || dose_count > 9 {
            return Err(DomainError::Invalid {
                field: "ocr_line",
                reason: "ticket kind and dose count are single digits".into(),
            });
        }
        Ok(Self {
            kind,
            dose_count,
            municipality,
            ticket,
        })
    }

    /// The ticket kind digit.
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// The dose count printed on the ticket (which dose the ticket is for).
    pub fn dose_count(&self) -> u8 {
        self.dose_count
    }

    /// The issuing (residence) municipality.
    pub fn municipality(&self) -> MunicipalityCode {
        self.municipality
    }

    /// The ticket number.
    pub fn ticket_number(&self) -> TicketNumber {
        self.ticket
    }
}

impl FromStr for OcrLine {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "ocr_line";
        crate::text::exact_digits(s, 18, FIELD, "18")?;
        let b = s.as_bytes();
        let municipality = MunicipalityCode::parse_municipality(&s[2..8]).map_err(|e| match e {
            DomainError::CheckDigit { .. } => DomainError::CheckDigit {
                field: "ocr_line municipality code",
            },
            other => other,
        })?;
        Ok(Self {
            kind: b[0] - b'0',
            dose_count: b[1] - b'0',
            municipality,
            ticket: s[8..].parse()?,
        })
    }
}

impl fmt::Display for OcrLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}",
            self.kind, self.dose_count, self.municipality, self.ticket
        )
    }
}

impl fmt::Debug for OcrLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OcrLine({self})")
    }
}

impl Serialize for OcrLine {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Checks free text of at most `max` characters: not empty, no control characters.
fn bounded_text(
    s: &str,
    field: &'static str,
    max: usize,
    expected: &'static str,
) -> Result<String, DomainError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let n = s.chars().count();
    if n > max {
        return Err(DomainError::Length {
            field,
            expected,
            actual: n,
        });
    }
    crate::text::check_free_text(s, field)?;
    Ok(s.to_owned())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal, $expected:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                bounded_text(s, $field, $max, $expected).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
    };
}

text_newtype!(
    /// The vaccination venue's name (接種会場): 1–30 characters.
    VenueName,
    "venue",
    30,
    "1 to 30"
);
text_newtype!(
    /// The vaccinating doctor's name (接種医師): 1–20 characters.
    DoctorName,
    "doctor",
    20,
    "1 to 20"
);

/// Parses a vaccination date: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD` (full-width
/// digits accepted). Whether it lies in the future or before birth is a use-case
/// check (it needs the clock and the person).
pub fn parse_dose_date(s: &str) -> Result<NaiveDate, DomainError> {
    const FIELD: &str = "date";
    let s = crate::text::ascii_digits(s.trim());
    if s.is_empty() {
        return Err(DomainError::Empty { field: FIELD });
    }
    let parsed = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(&s, "%Y%m%d")
    } else {
        NaiveDate::parse_from_str(&s.replace('/', "-"), "%Y-%m-%d")
    };
    let date = parsed.map_err(|_| DomainError::Invalid {
        field: FIELD,
        reason: "not a date (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)".into(),
    })?;
    use chrono::Datelike;
    if !(2020..=2199).contains(&date.year()) {
        return Err(DomainError::Invalid {
            field: FIELD,
            reason: format!("{date} is before COVID-19 vaccination began"),
        });
    }
    Ok(date)
}

/// A dose's identifier: the partition (residence municipality) it is stored in
/// and its number there, written `131016-42`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DoseId {
    municipality: MunicipalityCode,
    serial: u64,
}

impl DoseId {
    /// Builds an id from a partition and a positive serial number.
    pub fn new(municipality: MunicipalityCode, serial: u64) -> Result<Self, DomainError> {
        if serial == 0 {
            return Err(DomainError::Invalid {
                field: "dose_id",
                reason: "serial must be positive".into(),
            });
        }
        Ok(Self {
            municipality,
            serial,
        })
    }

    /// The partition (residence municipality) holding the dose.
    pub fn municipality(&self) -> MunicipalityCode {
        self.municipality
    }

    /// The serial number within the store.
    pub fn serial(&self) -> u64 {
        self.serial
    }
}

impl FromStr for DoseId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DomainError::Invalid {
            field: "dose_id",
            reason: "not MUNICIPALITY-NUMBER, e.g. 131016-42".into(),
        };
        let (m, n) = s.trim().split_once('-').ok_or_else(bad)?;
        if n.is_empty() || n.len() > 19 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let municipality = MunicipalityCode::parse_municipality(m)?;
        Self::new(municipality, n.parse().map_err(|_| bad())?)
    }
}

impl fmt::Display for DoseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.municipality, self.serial)
    }
}

impl fmt::Debug for DoseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DoseId({self})")
    }
}

impl Serialize for DoseId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a vaccination venue enters for one dose (D12-2): the ticket's OCR line
/// and the dose's facts. The dose number is derived by the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseEntry {
    /// The ticket read by the venue's OCR.
    pub ocr: OcrLine,
    /// The vaccine product.
    pub product: VaccineProduct,
    /// The lot number.
    pub lot: LotNumber,
    /// The vaccination date.
    pub date: NaiveDate,
    /// The venue, if given.
    pub venue: Option<VenueName>,
    /// The doctor, if given.
    pub doctor: Option<DoctorName>,
}

/// Whether a dose stands or was marked entered-in-error (nothing is erased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseStatus {
    /// The record stands.
    Active,
    /// The holding municipality marked it entered-in-error.
    EnteredInError,
}

impl DoseStatus {
    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::EnteredInError => "entered_in_error",
        }
    }
}

impl FromStr for DoseStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "entered_in_error" => Ok(Self::EnteredInError),
            _ => Err(DomainError::Invalid {
                field: "dose_status",
                reason: "expected active or entered_in_error".into(),
            }),
        }
    }
}

/// A stored vaccination record (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dose {
    /// Its identifier (partition and serial).
    #[serde(rename = "dose_id")]
    pub id: DoseId,
    /// The resident's ticket number in the residence municipality.
    pub ticket_number: TicketNumber,
    /// Which dose of the person's series.
    pub dose_number: DoseNumber,
    /// The vaccination date.
    pub date: NaiveDate,
    /// The product.
    pub vaccine: VaccineProduct,
    /// The lot.
    pub lot: LotNumber,
    /// The venue.
    pub venue: Option<VenueName>,
    /// The doctor.
    pub doctor: Option<DoctorName>,
    /// The municipality where the vaccination took place (接種地).
    pub vaccinating_municipality: MunicipalityCode,
    /// When the dose was first registered.
    pub registered_at: DateTime<FixedOffset>,
    /// Who first registered it.
    pub registered_by: Principal,
    /// Whether a site of another municipality registered it on the residence
    /// municipality's behalf (T1-3-1-6).
    pub on_behalf: bool,
    /// Active or entered-in-error.
    pub status: DoseStatus,
    /// Whether the holding municipality checked and locked it.
    pub confirmed: bool,
    /// The version number (1 at registration, +1 per change).
    pub version: u32,
    /// Set when the dose was carried over from the previous municipality's answer
    /// to an inquiry (D12-3) rather than registered here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_over: Option<CarriedOver>,
}

/// Where a carried-over dose came from: the holder that answered the inquiry and
/// the number it gave the dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarriedOver {
    /// The municipality whose records held the dose (the previous municipality).
    pub from: MunicipalityCode,
    /// The dose number in the holder's records.
    pub original_dose_number: DoseNumber,
}

/// Ten-year age bands used by the statistics (`0-9`, `10-19`, ..., `90+`).
pub fn age_band(age: i32) -> &'static str {
    const BANDS: [&str; 10] = [
        "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+",
    ];
    BANDS[usize::try_from(age.clamp(0, 90) / 10).unwrap_or(0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_line_table_names_every_kind_of_malformation() {
        for (input, want) in [
            ("111310160000000001", Ok("131016/0000000001/1/1")),
            ("230110020123456789", Ok("011002/0123456789/3/2")),
            (
                "11131016000000000",
                Err("ocr_line: expected 18 characters, got 17"),
            ),
            (
                "1113101600000000012",
                Err("ocr_line: expected 18 characters, got 19"),
            ),
            ("", Err("ocr_line: empty")),
            (
                "11131016000000000a",
                Err("ocr_line: only ASCII digits are allowed"),
            ),
            (
                "１11310160000000001",
                Err("ocr_line: only ASCII digits are allowed"),
            ),
            (
                "111310170000000001",
                Err("ocr_line municipality code: check digit does not match"),
            ),
            (
                "119999970000000001",
                Err("municipality_code: 999997 is not a registered local government code"),
            ),
            (
                "111300010000000001",
                Err("municipality_code: 130001 is a prefecture, not a municipality"),
            ),
        ] {
            let got = input.parse::<OcrLine>().map(|l| {
                format!(
                    "{}/{}/{}/{}",
                    l.municipality(),
                    l.ticket_number(),
                    l.dose_count(),
                    l.kind()
                )
            });
            assert_eq!(
                got.map_err(|e| e.to_string()),
                want.map(str::to_owned).map_err(str::to_owned),
                "input {input:?}"
            );
        }
        let line: OcrLine = "111310160000000001".parse().unwrap();
        assert_eq!(line.to_string(), "111310160000000001");
    }

    #[test]
    fn venue_and_doctor_lengths_table() {
        for (input, venue_ok, doctor_ok) in [
            ("千代田区役所", true, true),
            (&"あ".repeat(20) as &str, true, true),
            (&"あ".repeat(21), true, false),
            (&"あ".repeat(30), true, false),
            (&"あ".repeat(31), false, false),
            ("", false, false),
            ("a\tb", false, false),
        ] {
            assert_eq!(
                input.parse::<VenueName>().is_ok(),
                venue_ok,
                "venue {input:?}"
            );
            assert_eq!(
                input.parse::<DoctorName>().is_ok(),
                doctor_ok,
                "doctor {input:?}"
            );
        }
    }

    #[test]
    fn dose_dates_and_ids_table() {
        for (input, ok) in [
            ("2021-06-01", true),
            ("2021/06/01", true),
            ("20210601", true),
            ("２０２１-０６-０１", true),
            // Eight characters that are not eight digits take the separated form.
            ("2021/6/1", true),
            ("2021-02-30", false),
            ("2019-12-31", false),
            ("2020-01-01", true),
            ("2199-12-31", true),
            ("2200-01-01", false),
            ("June 1", false),
        ] {
            assert_eq!(parse_dose_date(input).is_ok(), ok, "date {input:?}");
        }
        for (input, want) in [
            ("", "date: empty"),
            ("  ", "date: empty"),
            (
                "2021-02-30",
                "date: not a date (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)",
            ),
            (
                "2019-12-31",
                "date: 2019-12-31 is before COVID-19 vaccination began",
            ),
        ] {
            assert_eq!(
                parse_dose_date(input).map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "date {input:?}"
            );
        }
        for (input, ok) in [
            ("131016-1", true),
            ("011002-42", true),
            (" 131016-7 ", true),
            ("131016-0", false),
            ("131017-1", false),
            ("131016", false),
            ("131016-x", false),
            ("131016-+5", false),
            ("131016-", false),
            // At most 19 digits, though 20 digits may still fit a u64.
            ("131016-1000000000000000000", true),
            ("131016-10000000000000000000", false),
        ] {
            assert_eq!(input.parse::<DoseId>().is_ok(), ok, "id {input:?}");
        }
        // The serial's shape is checked before the municipality: each error names its field.
        for (input, field) in [
            ("131017-", "dose_id"),
            ("131017-1x", "dose_id"),
            ("131017-10000000000000000000", "dose_id"),
            ("131017-1", "municipality_code"),
            ("131016-0", "dose_id"),
        ] {
            let e = input.parse::<DoseId>().unwrap_err().to_string();
            assert!(e.starts_with(&format!("{field}: ")), "id {input:?}: {e}");
        }
        let id: DoseId = "131016-42".parse().unwrap();
        assert_eq!(id.to_string(), "131016-42");
        assert_eq!(id.municipality().to_string(), "131016");
        assert_eq!(id.serial(), 42);
    }

    #[test]
    fn an_ocr_line_takes_single_digits_for_kind_and_dose_count() {
        let m: MunicipalityCode = "131016".parse().unwrap();
        let t: TicketNumber = "0000000001".parse().unwrap();
        for (kind, count, ok) in [(9, 9, true), (0, 0, true), (10, 1, false), (1, 10, false)] {
            assert_eq!(
                OcrLine::new(kind, count, m, t).is_ok(),
                ok,
                "kind {kind}, dose count {count}"
            );
        }
    }

    #[test]
    fn dose_status_parses_from_its_stored_name_only() {
        for status in [DoseStatus::Active, DoseStatus::EnteredInError] {
            assert_eq!(
                status.as_str().parse::<DoseStatus>(),
                Ok(status),
                "{status:?}"
            );
        }
        assert!("Active".parse::<DoseStatus>().is_err());
    }

    #[test]
    fn age_bands_table() {
        for (age, band) in [
            (0, "0-9"),
            (9, "0-9"),
            (10, "10-19"),
            (65, "60-69"),
            (90, "90+"),
            (104, "90+"),
            (-1, "0-9"),
        ] {
            assert_eq!(age_band(age), band, "age {age}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn an_ocr_line_built_from_valid_parts_round_trips(
                kind in 0u8..10,
                count in 0u8..10,
                gov in 0usize..1_700,
                ticket in 0u64..10_000_000_000,
            ) {
                let municipality = crate::all_local_govs()
                    .filter(|g| g.kind == crate::LocalGovKind::Municipality)
                    .nth(gov)
                    .map(|g| MunicipalityCode::parse_municipality(g.code).unwrap())
                    .unwrap();
                let line = OcrLine::new(kind, count, municipality, TicketNumber::from_u64(ticket).unwrap()).unwrap();
                let text = line.to_string();
                prop_assert_eq!(text.len(), 18);
                prop_assert_eq!(text.parse::<OcrLine>().unwrap(), line);
            }

            #[test]
            fn any_text_either_parses_to_its_own_digits_or_is_refused(s in "[0-9]{16,20}|.{0,24}") {
                if let Ok(line) = s.parse::<OcrLine>() {
                    prop_assert_eq!(line.to_string(), s);
                }
            }
        }
    }
}
