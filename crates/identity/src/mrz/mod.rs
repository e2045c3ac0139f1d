//! Passport MRZ (ICAO 9303 Part 4, TD3: two lines of 44 characters) — strict reading and OCR repair.
//!
//! Line 1: document code (2), issuing state (3), name (39).
//! Line 2: document number (9) + check, nationality (3), birth date YYMMDD + check,
//! sex, expiry date YYMMDD + check, optional data (14) + check, composite check
//! over positions 1–10, 14–20 and 22–43.

mod codes;
mod repair;

use chrono::NaiveDate;

use crate::error::IdentityError;

/// One reason an MRZ is not a valid TD3 passport MRZ. The JSON names
/// ([`MrzFault::as_str`]) are a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MrzFault {
    /// A line is not 44 characters long.
    Length,
    /// A character outside `A`–`Z`, `0`–`9`, `<`.
    Charset,
    /// The document code is not `P` followed by a letter or `<`.
    DocumentCode,
    /// The issuing state is not letters followed by fillers.
    IssuingStateFormat,
    /// The name field holds something other than letters and fillers, or no name.
    NameFormat,
    /// The document number is empty.
    DocumentNumberFormat,
    /// The document number's check digit does not match.
    DocumentNumberCheck,
    /// The nationality is not letters followed by fillers.
    NationalityFormat,
    /// The birth date is not a calendar date YYMMDD.
    BirthDateFormat,
    /// The birth date's check digit does not match.
    BirthDateCheck,
    /// The sex is not `M`, `F` or `<`.
    Sex,
    /// The expiry date is not a calendar date YYMMDD.
    ExpiryDateFormat,
    /// The expiry date's check digit does not match.
    ExpiryDateCheck,
    /// The optional data's check digit does not match (`<` or `0` when it is empty).
    OptionalDataCheck,
    /// The composite check digit does not match.
    CompositeCheck,
    /// The passport had expired on the day of the check (A10-4-7).
    Expired,
}

impl MrzFault {
    /// The snake_case name used in JSON `errors[]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Charset => "charset",
            Self::DocumentCode => "document_code",
            Self::IssuingStateFormat => "issuing_state_format",
            Self::NameFormat => "name_format",
            Self::DocumentNumberFormat => "document_number_format",
            Self::DocumentNumberCheck => "document_number_check",
            Self::NationalityFormat => "nationality_format",
            Self::BirthDateFormat => "birth_date_format",
            Self::BirthDateCheck => "birth_date_check",
            Self::Sex => "sex",
            Self::ExpiryDateFormat => "expiry_date_format",
            Self::ExpiryDateCheck => "expiry_date_check",
            Self::OptionalDataCheck => "optional_data_check",
            Self::CompositeCheck => "composite_check",
            Self::Expired => "expired",
        }
    }
}

/// Something valid but worth a human's look; never makes an MRZ invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MrzWarning {
    /// The issuing state is well-formed but not an ISO 3166 or ICAO code.
    IssuingStateUnknown,
    /// The nationality is well-formed but not an ISO 3166 or ICAO code.
    NationalityUnknown,
    /// `DEU` where German documents write ICAO's `D<<`.
    GermanyAsDeu,
}

impl MrzWarning {
    /// The snake_case name used in JSON `warnings[]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IssuingStateUnknown => "issuing_state_unknown",
            Self::NationalityUnknown => "nationality_unknown",
            Self::GermanyAsDeu => "germany_as_deu",
        }
    }
}

/// Sex as the MRZ states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzSex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<`: unspecified.
    Unspecified,
}

impl MrzSex {
    /// The MRZ character: `M`, `F` or `<`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Unspecified => "<",
        }
    }
}

/// How to read an MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MrzOptions {
    today: NaiveDate,
    repair: bool,
    require_unexpired: bool,
}

impl MrzOptions {
    /// Strict reading; `today` resolves the birth century (a birth date is never after
    /// it) and is the day [`require_unexpired`](Self::require_unexpired) checks.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            repair: false,
            require_unexpired: false,
        }
    }

    /// Repair classic OCR confusions (O/0, I/1, S/5, B/8, Z/2 by field type, plus
    /// spacing, case, `«` and sex `P`→`F`) when the strict reading fails; a repair is
    /// accepted only if every check digit then passes.
    pub fn repair(mut self, on: bool) -> Self {
        self.repair = on;
        self
    }

    /// Also fault the MRZ (`expired`) when its expiry date is before `today` (A10-4-7).
    pub fn require_unexpired(mut self, on: bool) -> Self {
        self.require_unexpired = on;
        self
    }
}

/// A short MRZ field's text (at most 39 ASCII characters), stored inline so that
/// reading an MRZ allocates nothing. Dereferences to `str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrzText {
    buf: [u8; 39],
    len: u8,
}

impl Default for MrzText {
    fn default() -> Self {
        Self {
            buf: [0; 39],
            len: 0,
        }
    }
}

impl MrzText {
    /// Appends checked MRZ characters (the reader passes at most 39 in all).
    fn push(&mut self, bytes: &[u8]) {
        let start = usize::from(self.len);
        let end = (start + bytes.len()).min(self.buf.len());
        self.buf[start..end].copy_from_slice(&bytes[..end - start]);
        self.len = end as u8;
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII MRZ characters and spaces are ever pushed.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::ops::Deref for MrzText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for MrzText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for MrzText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for MrzText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MrzText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for MrzText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What an MRZ says, valid or not: the raw-ish fields and every fault found.
/// Only [`MrzReading::passport`] turns a faultless reading into a [`Passport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzReading {
    /// `P` plus a letter or `<` (kept as read, fillers removed).
    pub document_code: MrzText,
    /// Issuing state, fillers removed (`D`, `UTO`, ...).
    pub issuing_state: MrzText,
    /// Primary identifier: the name part before the first `<<`, fillers as spaces.
    pub surname: MrzText,
    /// Secondary identifier: the part after the first `<<`, fillers as spaces.
    pub given_names: MrzText,
    /// Document number, trailing fillers removed.
    pub document_number: MrzText,
    /// Nationality, fillers removed.
    pub nationality: MrzText,
    /// Birth date as read (YYMMDD).
    pub birth_date_raw: MrzText,
    /// Birth date with its century resolved, when it is a calendar date.
    pub birth_date: Option<NaiveDate>,
    /// Sex character as read.
    pub sex: MrzText,
    /// Expiry date as read (YYMMDD).
    pub expiry_date_raw: MrzText,
    /// Expiry date (20YY), when it is a calendar date.
    pub expiry_date: Option<NaiveDate>,
    /// Optional data (personal number), trailing fillers removed, inner fillers kept as `<`.
    pub optional_data: MrzText,
    /// Every fault, in MRZ position order; empty when valid.
    pub faults: Vec<MrzFault>,
    /// Warnings (unknown codes, `DEU`); they never make a reading invalid.
    pub warnings: Vec<MrzWarning>,
    /// The corrected lines when a repair was needed and accepted.
    pub repaired: Option<(String, String)>,
}

/// A passport MRZ that passed every check. Built only by [`MrzReading::passport`]
/// (or [`parse_td3`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    document_code: MrzText,
    issuing_state: MrzText,
    surname: MrzText,
    given_names: MrzText,
    document_number: MrzText,
    nationality: MrzText,
    birth_date: NaiveDate,
    sex: MrzSex,
    expiry_date: NaiveDate,
    optional_data: MrzText,
}

impl Passport {
    /// `P`, `PO`, `PT`, ... (fillers removed).
    pub fn document_code(&self) -> &str {
        &self.document_code
    }
    /// Issuing state (ICAO code, fillers removed).
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }
    /// Surname(s) in romaji as the MRZ writes them (may be empty for single-name holders).
    pub fn surname(&self) -> &str {
        &self.surname
    }
    /// Given name(s) in romaji.
    pub fn given_names(&self) -> &str {
        &self.given_names
    }
    /// Passport number.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }
    /// Nationality (ICAO code).
    pub fn nationality(&self) -> &str {
        &self.nationality
    }
    /// Birth date.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
    /// Sex.
    pub fn sex(&self) -> MrzSex {
        self.sex
    }
    /// Expiry date.
    pub fn expiry_date(&self) -> NaiveDate {
        self.expiry_date
    }
    /// Optional data (personal number).
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    /// A10-4-7: the passport must not have expired on `on` (it is valid through its
    /// expiry date).
    pub fn check_unexpired(&self, on: NaiveDate) -> Result<(), IdentityError> {
        if on > self.expiry_date {
            return Err(IdentityError::PassportExpired {
                expired_on: self.expiry_date,
                checked_on: on,
            });
        }
        Ok(())
    }
}

impl MrzReading {
    /// Whether no fault was found.
    pub fn is_valid(&self) -> bool {
        self.faults.is_empty()
    }

    /// The passport, when the reading is faultless.
    pub fn passport(&self) -> Result<Passport, IdentityError> {
        let invalid = || IdentityError::InvalidMrz {
            faults: self.faults.clone(),
        };
        if !self.faults.is_empty() {
            return Err(invalid());
        }
        let (Some(birth_date), Some(expiry_date)) = (self.birth_date, self.expiry_date) else {
            return Err(invalid());
        };
        let sex = match self.sex.as_str() {
            "M" => MrzSex::Male,
            "F" => MrzSex::Female,
            "<" => MrzSex::Unspecified,
            _ => return Err(invalid()),
        };
        Ok(Passport {
            document_code: self.document_code,
            issuing_state: self.issuing_state,
            surname: self.surname,
            given_names: self.given_names,
            document_number: self.document_number,
            nationality: self.nationality,
            birth_date,
            sex,
            expiry_date,
            optional_data: self.optional_data,
        })
    }
}

/// Reads a TD3 MRZ and returns a [`Passport`] or every fault found.
pub fn parse_td3(
    line1: &str,
    line2: &str,
    options: &MrzOptions,
) -> Result<Passport, IdentityError> {
    read_td3(line1, line2, options).passport()
}

/// Reads a TD3 MRZ into a report of its fields and faults (never fails).
pub fn read_td3(line1: &str, line2: &str, options: &MrzOptions) -> MrzReading {
    let strict = read_strict(line1.as_bytes(), line2.as_bytes(), options);
    if strict.is_valid() || !options.repair {
        return strict;
    }
    if let Some((l1, l2)) = repair::repair(line1, line2) {
        let mut fixed = read_strict(l1.as_bytes(), l2.as_bytes(), options);
        if fixed.is_valid() {
            fixed.repaired = Some((l1, l2));
            return fixed;
        }
    }
    strict
}

/// The ICAO 9303 check digit value of one MRZ character (`<` = 0, `A` = 10 ... `Z` = 35).
pub(crate) fn char_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// The check digit (0–9) over `data`, weights 7, 3, 1 repeating.
pub fn check_digit(data: &[u8]) -> u8 {
    const W: [u32; 3] = [7, 3, 1];
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, &c)| char_value(c) * W[i % 3])
        .sum();
    (sum % 10) as u8
}

fn check_matches(data: &[u8], check: u8) -> bool {
    check.is_ascii_digit() && check - b'0' == check_digit(data)
}

fn composite_data(l2: &[u8]) -> [u8; 39] {
    let mut out = [0u8; 39];
    out[..10].copy_from_slice(&l2[0..10]);
    out[10..17].copy_from_slice(&l2[13..20]);
    out[17..].copy_from_slice(&l2[21..43]);
    out
}

fn is_mrz_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'
}

/// Letters then fillers, at least one letter (`D<<`, `UTO`).
fn is_code(field: &[u8]) -> bool {
    let letters = field.iter().take_while(|c| c.is_ascii_uppercase()).count();
    letters > 0 && field[letters..].iter().all(|&c| c == b'<')
}

fn text(field: &[u8]) -> MrzText {
    let mut t = MrzText::default();
    t.push(field);
    t
}

fn trim_fillers(field: &[u8]) -> &[u8] {
    let end = field.iter().rposition(|&c| c != b'<').map_or(0, |i| i + 1);
    &field[..end]
}

/// Fillers become single spaces; leading and trailing fillers go.
fn name_part(field: &[u8]) -> MrzText {
    let mut out = MrzText::default();
    for word in field.split(|&c| c == b'<').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(b" ");
        }
        out.push(word);
    }
    out
}

fn yymmdd(field: &[u8]) -> Option<(i32, u32, u32)> {
    if !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: usize| u32::from(field[a] - b'0') * 10 + u32::from(field[a + 1] - b'0');
    Some((n(0) as i32, n(2), n(4)))
}

fn empty_reading() -> MrzReading {
    MrzReading {
        document_code: MrzText::default(),
        issuing_state: MrzText::default(),
        surname: MrzText::default(),
        given_names: MrzText::default(),
        document_number: MrzText::default(),
        nationality: MrzText::default(),
        birth_date_raw: MrzText::default(),
        birth_date: None,
        sex: MrzText::default(),
        expiry_date_raw: MrzText::default(),
        expiry_date: None,
        optional_data: MrzText::default(),
        faults: Vec::new(),
        warnings: Vec::new(),
        repaired: None,
    }
}

fn read_strict(l1: &[u8], l2: &[u8], options: &MrzOptions) -> MrzReading {
    let mut r = empty_reading();
    // Structural faults come alone: without 44 MRZ characters per line, positions mean nothing.
    if l1.len() != 44 || l2.len() != 44 {
        r.faults.push(MrzFault::Length);
    }
    if !l1.iter().chain(l2).all(|&c| is_mrz_char(c)) {
        r.faults.push(MrzFault::Charset);
    }
    if !r.faults.is_empty() {
        return r;
    }
    let faults = &mut r.faults;

    // Line 1.
    if !(l1[0] == b'P' && (l1[1].is_ascii_uppercase() || l1[1] == b'<')) {
        faults.push(MrzFault::DocumentCode);
    }
    r.document_code = text(trim_fillers(&l1[0..2]));
    let state = &l1[2..5];
    if !is_code(state) {
        faults.push(MrzFault::IssuingStateFormat);
    }
    r.issuing_state = text(trim_fillers(state));
    let name = &l1[5..44];
    if !name.iter().all(|&c| c.is_ascii_uppercase() || c == b'<') || name.iter().all(|&c| c == b'<')
    {
        faults.push(MrzFault::NameFormat);
    }
    let split = name.windows(2).position(|w| w == b"<<");
    let (primary, secondary) = match split {
        Some(i) => (&name[..i], &name[i + 2..]),
        None => (name, &name[name.len()..]),
    };
    r.surname = name_part(primary);
    r.given_names = name_part(secondary);

    // Line 2.
    let number = &l2[0..9];
    r.document_number = text(trim_fillers(number));
    if r.document_number.is_empty() {
        faults.push(MrzFault::DocumentNumberFormat);
    }
    if !check_matches(number, l2[9]) {
        faults.push(MrzFault::DocumentNumberCheck);
    }
    let nationality = &l2[10..13];
    if !is_code(nationality) {
        faults.push(MrzFault::NationalityFormat);
    }
    r.nationality = text(trim_fillers(nationality));

    // Expiry first: the birth century depends on it.
    let expiry = &l2[21..27];
    r.expiry_date_raw = text(expiry);
    r.expiry_date = yymmdd(expiry).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(2000 + y, m, d));

    let birth = &l2[13..19];
    r.birth_date_raw = text(birth);
    r.birth_date = yymmdd(birth).and_then(|(y, m, d)| {
        let recent = NaiveDate::from_ymd_opt(2000 + y, m, d)
            .filter(|b| *b <= options.today && r.expiry_date.is_none_or(|e| *b < e));
        recent.or_else(|| NaiveDate::from_ymd_opt(1900 + y, m, d))
    });
    if r.birth_date.is_none() {
        faults.push(MrzFault::BirthDateFormat);
    }
    if !check_matches(birth, l2[19]) {
        faults.push(MrzFault::BirthDateCheck);
    }
    r.sex = text(&l2[20..21]);
    if !matches!(l2[20], b'M' | b'F' | b'<') {
        faults.push(MrzFault::Sex);
    }
    if r.expiry_date.is_none() {
        faults.push(MrzFault::ExpiryDateFormat);
    }
    if !check_matches(expiry, l2[27]) {
        faults.push(MrzFault::ExpiryDateCheck);
    }
    let optional = &l2[28..42];
    r.optional_data = text(trim_fillers(optional));
    let optional_ok = if r.optional_data.is_empty() {
        matches!(l2[42], b'<' | b'0')
    } else {
        check_matches(optional, l2[42])
    };
    if !optional_ok {
        faults.push(MrzFault::OptionalDataCheck);
    }
    if !check_matches(&composite_data(l2), l2[43]) {
        faults.push(MrzFault::CompositeCheck);
    }
    if options.require_unexpired && r.expiry_date.is_some_and(|e| options.today > e) {
        faults.push(MrzFault::Expired);
    }

    for (code, unknown) in [
        (&r.issuing_state, MrzWarning::IssuingStateUnknown),
        (&r.nationality, MrzWarning::NationalityUnknown),
    ] {
        if *code == "DEU" {
            if !r.warnings.contains(&MrzWarning::GermanyAsDeu) {
                r.warnings.push(MrzWarning::GermanyAsDeu);
            }
        } else if !code.is_empty() && !codes::is_known(code.as_str()) {
            r.warnings.push(unknown);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn the_icao_specimen_reads_field_by_field() {
        let r = read_td3(L1, L2, &MrzOptions::new(today()));
        assert_eq!(r.faults, []);
        let p = r.passport().unwrap();
        assert_eq!(
            (p.surname(), p.given_names(), p.document_number()),
            ("ERIKSSON", "ANNA MARIA", "L898902C3")
        );
        assert_eq!(p.birth_date().to_string(), "1974-08-12");
        assert_eq!(p.expiry_date().to_string(), "2012-04-15");
        assert_eq!(p.sex(), MrzSex::Female);
        assert_eq!(p.optional_data(), "ZE184226B");
    }

    #[test]
    fn check_digits_follow_the_icao_worked_examples() {
        for (data, digit) in [
            (&b"L898902C3"[..], 6),
            (b"740812", 2),
            (b"120415", 9),
            (b"ZE184226B<<<<<", 1),
            (b"<<<", 0),
            (b"520727", 3),
        ] {
            assert_eq!(
                check_digit(data),
                digit,
                "data {:?}",
                std::str::from_utf8(data)
            );
        }
    }

    #[test]
    fn an_expired_passport_is_refused_only_when_asked() {
        let on = today();
        let p = parse_td3(L1, L2, &MrzOptions::new(on)).unwrap();
        assert!(matches!(
            p.check_unexpired(on),
            Err(IdentityError::PassportExpired { .. })
        ));
        assert!(p.check_unexpired(p.expiry_date()).is_ok());
        let r = read_td3(L1, L2, &MrzOptions::new(on).require_unexpired(true));
        assert_eq!(r.faults, [MrzFault::Expired]);
    }

    #[test]
    fn a_birth_year_that_would_be_in_the_future_is_last_century() {
        // 25-12-31 on 2026-11-27 is 2025; 26-12-31 would be in the future, so 1926.
        for (yymmdd, expected) in [("251231", "2025-12-31"), ("261231", "1926-12-31")] {
            let mut l2 = L2.as_bytes().to_vec();
            l2[13..19].copy_from_slice(yymmdd.as_bytes());
            l2[19] = b'0' + check_digit(yymmdd.as_bytes());
            l2[21..27].copy_from_slice(b"351231");
            l2[27] = b'0' + check_digit(b"351231");
            l2[43] = b'0' + check_digit(&composite_data(&l2));
            let r = read_td3(
                L1,
                std::str::from_utf8(&l2).unwrap(),
                &MrzOptions::new(today()),
            );
            assert_eq!(r.faults, [], "birth {yymmdd}");
            assert_eq!(
                r.birth_date.unwrap().to_string(),
                expected,
                "birth {yymmdd}"
            );
        }
    }
}
