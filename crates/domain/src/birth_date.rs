//! `BirthDate`: Gregorian and Japanese-era (和暦) input, one calendar date out.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::text::ascii_digits;
use crate::DomainError;

const FIELD: &str = "birth_date";

/// A Japanese era: its kanji name, its one-letter initial and the first and
/// last day of the era in the Gregorian calendar.
struct Era {
    kanji: &'static str,
    initial: char,
    first: (i32, u32, u32),
    last: Option<(i32, u32, u32)>,
}

/// Eras since the Gregorian calendar's adoption (明治6年 = 1873). Boundaries per
/// the era-name proclamations: 大正 from 1912-07-30, 昭和 from 1926-12-25,
/// 平成 from 1989-01-08, 令和 from 2019-05-01.
const ERAS: [Era; 5] = [
    Era {
        kanji: "明治",
        initial: 'M',
        first: (1873, 1, 1),
        last: Some((1912, 7, 29)),
    },
    Era {
        kanji: "大正",
        initial: 'T',
        first: (1912, 7, 30),
        last: Some((1926, 12, 24)),
    },
    Era {
        kanji: "昭和",
        initial: 'S',
        first: (1926, 12, 25),
        last: Some((1989, 1, 7)),
    },
    Era {
        kanji: "平成",
        initial: 'H',
        first: (1989, 1, 8),
        last: Some((2019, 4, 30)),
    },
    Era {
        kanji: "令和",
        initial: 'R',
        first: (2019, 5, 1),
        last: None,
    },
];

/// A date of birth. Accepts `YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD` and the
/// Japanese-era forms `昭和55年2月17日` (also `元年`), `S55.2.17`, `H1.1.8`,
/// `R1.5.1`, checking that the date lies inside the named era. Full-width digits
/// are accepted. Whether a birth date lies in the future is a use-case check (it
/// needs the clock), not a parse check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// The calendar date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// Wraps a calendar date (e.g. read from a signed card), checking the range.
    pub fn from_date(date: NaiveDate) -> Result<Self, DomainError> {
        if !(1873..=2199).contains(&date.year()) {
            return Err(DomainError::Invalid {
                field: FIELD,
                reason: format!("year {} is out of range", date.year()),
            });
        }
        Ok(Self(date))
    }

    /// Age in whole years on `on` (the day before the birthday counts as the birthday
    /// only under the Age Calculation Act; for statistics we use calendar birthdays).
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let mut age = on.year() - self.0.year();
        if (on.month(), on.day()) < (self.0.month(), self.0.day()) {
            age -= 1;
        }
        age
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, DomainError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DomainError::Invalid {
        field: FIELD,
        reason: "not a calendar date".into(),
    })
}

fn num<T: FromStr>(s: &str, what: &str) -> Result<T, DomainError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::Invalid {
            field: FIELD,
            reason: format!("{what} must be digits"),
        });
    }
    s.parse().map_err(|_| DomainError::Invalid {
        field: FIELD,
        reason: format!("{what} is out of range"),
    })
}

fn gregorian(s: &str) -> Result<NaiveDate, DomainError> {
    let (y, m, d) = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[..4], &s[4..6], &s[6..])
    } else {
        let sep = if s.contains('-') { '-' } else { '/' };
        let parts: Vec<&str> = s.split(sep).collect();
        match parts.as_slice() {
            [y, m, d]
                if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) =>
            {
                (*y, *m, *d)
            }
            _ => {
                return Err(DomainError::Invalid {
                    field: FIELD,
                    reason: "expected YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD or a Japanese-era date"
                        .into(),
                })
            }
        }
    };
    ymd(num(y, "year")?, num(m, "month")?, num(d, "day")?)
}

fn japanese(era: &Era, rest: &str) -> Result<NaiveDate, DomainError> {
    // rest is "55年2月17日" or "55.2.17" (after the era name or initial).
    let (y, m, d) = if let Some(body) = rest.strip_suffix('日') {
        let (y, body) = body.split_once('年').ok_or_else(bad_form)?;
        let (m, d) = body.split_once('月').ok_or_else(bad_form)?;
        (y, m, d)
    } else {
        let parts: Vec<&str> = rest.split(['.', '/', '-']).collect();
        match parts.as_slice() {
            [y, m, d] => (*y, *m, *d),
            _ => return Err(bad_form()),
        }
    };
    let year_in_era: i32 = if y == "元" { 1 } else { num(y, "era year")? };
    if year_in_era < 1 {
        return Err(DomainError::Invalid {
            field: FIELD,
            reason: "era years start at 1".into(),
        });
    }
    // Era year 1 is the Gregorian year the era began in (明治 counts from 1868).
    let base = if era.initial == 'M' {
        1868
    } else {
        era.first.0
    };
    let date = ymd(base + year_in_era - 1, num(m, "month")?, num(d, "day")?)?;
    let (fy, fm, fd) = era.first;
    let first = ymd(fy, fm, fd)?;
    let too_late = era
        .last
        .map(|(ly, lm, ld)| NaiveDate::from_ymd_opt(ly, lm, ld).is_some_and(|l| date > l))
        .unwrap_or(false);
    if date < first || too_late {
        return Err(DomainError::Invalid {
            field: FIELD,
            reason: format!("not a day of the {} era", era.kanji),
        });
    }
    Ok(date)
}

fn bad_form() -> DomainError {
    DomainError::Invalid {
        field: FIELD,
        reason: "expected e.g. 1980-02-17, 昭和55年2月17日 or S55.2.17".into(),
    }
}

impl FromStr for BirthDate {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        let s = ascii_digits(s);
        let s = s.as_ref();
        for era in &ERAS {
            if let Some(rest) = s.strip_prefix(era.kanji) {
                return Self::from_date(japanese(era, rest)?);
            }
            let mut chars = s.chars();
            if chars.next().map(|c| c.to_ascii_uppercase()) == Some(era.initial) {
                return Self::from_date(japanese(era, chars.as_str())?);
            }
        }
        Self::from_date(gregorian(s)?)
    }
}

impl fmt::Display for BirthDate {
    /// ISO 8601, `YYYY-MM-DD` (the year is 1873..=2199), written directly:
    /// chrono's `format` parses its pattern on every call, a resident
    /// import's cost per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BirthDate({self})")
    }
}

impl Serialize for BirthDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for BirthDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_date_table() {
        for (input, expected) in [
            ("19800217", Some("1980-02-17")),
            ("1980-02-17", Some("1980-02-17")),
            ("1980/2/17", Some("1980-02-17")),
            ("１９８０－０２－１７", None),
            ("１９８０/０２/１７", Some("1980-02-17")),
            ("昭和55年2月17日", Some("1980-02-17")),
            ("昭和５５年２月１７日", Some("1980-02-17")),
            ("S55.2.17", Some("1980-02-17")),
            ("s55.2.17", Some("1980-02-17")),
            ("H1.1.8", Some("1989-01-08")),
            ("平成元年1月8日", Some("1989-01-08")),
            ("平成元年1月7日", None),
            ("H1.1.7", None),
            ("昭和64年1月7日", Some("1989-01-07")),
            ("昭和64年1月8日", None),
            ("昭和65年1月1日", None),
            ("R1.5.1", Some("2019-05-01")),
            ("R1.4.30", None),
            ("H31.4.30", Some("2019-04-30")),
            ("H31.5.1", None),
            ("T15.12.24", Some("1926-12-24")),
            ("S1.12.25", Some("1926-12-25")),
            ("S1.12.24", None),
            ("M45.7.29", Some("1912-07-29")),
            ("昭和0年1月1日", None),
            ("19800230", None),
            ("1980-13-01", None),
            ("1980217", None),
            ("", None),
            ("X55.2.17", None),
            ("昭和55年2月", None),
            // Eight characters that are not eight digits take the separated form.
            ("1980/2/7", Some("1980-02-07")),
            (" 1980-02-17 ", Some("1980-02-17")),
            // Each part is digits only: no sign that Rust's integer parser would take.
            ("1980/+2/17", None),
            ("S+55.2.17", None),
            // A four-digit year, a one- or two-digit month and day.
            ("01980-02-17", None),
            ("1980-002-17", None),
            ("1980-02-017", None),
            ("1980-2", None),
            // The calendar range: from 明治6年 (1873), when Japan adopted the Gregorian calendar.
            ("18721231", None),
            ("18730101", Some("1873-01-01")),
            ("21991231", Some("2199-12-31")),
            ("22000101", None),
        ] {
            let got = input.parse::<BirthDate>().ok().map(|d| d.to_string());
            assert_eq!(got.as_deref(), expected, "input {input:?}");
        }
    }

    #[test]
    fn birth_date_errors_say_what_is_wrong() {
        for (input, want) in [
            ("", "birth_date: empty"),
            ("1980-a-17", "birth_date: month must be digits"),
            ("1980-02-x", "birth_date: day must be digits"),
            ("198x-02-17", "birth_date: year must be digits"),
            ("S5x.2.17", "birth_date: era year must be digits"),
            ("S99999999999.2.17", "birth_date: era year is out of range"),
            ("1980-02-30", "birth_date: not a calendar date"),
            ("99991231", "birth_date: year 9999 is out of range"),
            ("S0.1.1", "birth_date: era years start at 1"),
            (
                "S55",
                "birth_date: expected e.g. 1980-02-17, 昭和55年2月17日 or S55.2.17",
            ),
            (
                "1980.2.17",
                "birth_date: expected YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD or a Japanese-era date",
            ),
        ] {
            let got = input.parse::<BirthDate>().map(|d| d.to_string());
            assert_eq!(
                got.map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "input {input:?}"
            );
        }
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(BirthDate::from_date(date(1872, 12, 31)).is_err());
        assert_eq!(
            BirthDate::from_date(date(1980, 2, 17)).map(|b| b.date()),
            Ok(date(1980, 2, 17))
        );
    }

    #[test]
    fn era_errors_name_the_era() {
        let e = "平成元年1月7日".parse::<BirthDate>().unwrap_err();
        assert!(e.to_string().contains("平成"), "{e}");
        assert!(e.to_string().starts_with("birth_date:"), "{e}");
    }

    #[test]
    fn age_counts_whole_years() {
        let d: BirthDate = "2000-03-01".parse().unwrap();
        let on = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(d.age_on(on("2020-02-29")), 19);
        assert_eq!(d.age_on(on("2020-03-01")), 20);
    }
}
