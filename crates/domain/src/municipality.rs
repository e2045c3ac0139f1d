//! `MunicipalityCode`, `PrefectureCode` and the registry of every local government code.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::Serialize;

use crate::text::{exact_digits, weighted_sum};
use crate::DomainError;

/// The vendored registry (fixtures/reference/municipalities.csv; source in SOURCE.md there).
const REGISTRY_CSV: &str = include_str!("../../../fixtures/reference/municipalities.csv");

/// What kind of local government a code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LocalGovKind {
    /// A prefecture (都道府県).
    Prefecture,
    /// A municipality or special ward (市区町村): the unit that holds VRS data.
    Municipality,
    /// A ward of a designated city (政令市の区): not a VRS partition of its own.
    Ward,
}

impl LocalGovKind {
    /// The lowercase name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prefecture => "prefecture",
            Self::Municipality => "municipality",
            Self::Ward => "ward",
        }
    }
}

/// One row of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalGov {
    /// The six-digit code with its check digit.
    pub code: &'static str,
    /// Prefecture, municipality or ward.
    pub kind: LocalGovKind,
    /// The prefecture it lies in.
    pub prefecture_code: PrefectureCode,
    /// Name in kanji, e.g. 千代田区.
    pub name: &'static str,
    /// Name in hiragana, e.g. ちよだく.
    pub name_kana: &'static str,
    /// The enclosing body's name (prefecture, or prefecture + city for wards); empty for prefectures.
    pub parent: &'static str,
}

fn registry() -> &'static HashMap<u32, LocalGov> {
    static REGISTRY: OnceLock<HashMap<u32, LocalGov>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        REGISTRY_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let f: Vec<&'static str> = line.split(',').collect();
                let kind = match f[1] {
                    "prefecture" => LocalGovKind::Prefecture,
                    "ward" => LocalGovKind::Ward,
                    _ => LocalGovKind::Municipality,
                };
                let pref = f[2]
                    .parse::<u8>()
                    .map(PrefectureCode)
                    .unwrap_or(PrefectureCode(0));
                let gov = LocalGov {
                    code: f[0],
                    kind,
                    prefecture_code: pref,
                    name: f[3],
                    name_kana: f[4],
                    parent: f[5],
                };
                (f[0].parse::<u32>().unwrap_or(0), gov)
            })
            .collect()
    })
}

/// Every registered local government, in no particular order.
pub fn all_local_govs() -> impl Iterator<Item = &'static LocalGov> {
    registry().values()
}

/// A registered JIS X 0402 local government code (6 digits, check digit included).
///
/// Check digit: S = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5, check = (11 − S mod 11) mod 10.
/// Every code must also be present in the vendored registry, so a code that
/// passes the check digit but names no body is refused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(u32);

impl MunicipalityCode {
    /// The check digit the first five digits call for.
    pub fn check_digit(first_five: &[u8]) -> u8 {
        let s = weighted_sum(first_five, &[6, 5, 4, 3, 2]);
        ((11 - s % 11) % 10) as u8
    }

    /// Parses a code that must name a municipality or special ward (a VRS partition).
    pub fn parse_municipality(s: &str) -> Result<Self, DomainError> {
        let code: Self = s.parse()?;
        let kind = code.info().kind;
        if kind != LocalGovKind::Municipality {
            return Err(DomainError::WrongKind {
                field: "municipality_code",
                code: code.to_string(),
                kind: kind.as_str(),
                wanted: "municipality",
            });
        }
        Ok(code)
    }

    /// The registry row of this code.
    pub fn info(&self) -> &'static LocalGov {
        // The constructor only admits registered codes.
        &registry()[&self.0]
    }

    /// The prefecture this code lies in.
    pub fn prefecture(&self) -> PrefectureCode {
        self.info().prefecture_code
    }

    /// The code as a number (e.g. `131016`), for compact storage.
    pub fn as_u32(&self) -> u32 {
        self.0
    }

    /// Rebuilds a code from [`MunicipalityCode::as_u32`], checking it again.
    pub fn from_u32(value: u32) -> Result<Self, DomainError> {
        format!("{value:06}").parse()
    }
}

impl FromStr for MunicipalityCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        exact_digits(s, 6, "municipality_code", "6")?;
        let b = s.as_bytes();
        if b[5] - b'0' != Self::check_digit(&b[..5]) {
            return Err(DomainError::CheckDigit {
                field: "municipality_code",
            });
        }
        let n: u32 = s.parse().map_err(|_| DomainError::Character {
            field: "municipality_code",
            reason: "only ASCII digits are allowed",
        })?;
        if !registry().contains_key(&n) {
            return Err(DomainError::UnknownMunicipality { code: s.to_owned() });
        }
        Ok(Self(n))
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MunicipalityCode({:06})", self.0)
    }
}

impl Serialize for MunicipalityCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for MunicipalityCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A prefecture code, `01` (北海道) to `47` (沖縄県).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrefectureCode(u8);

impl PrefectureCode {
    /// The code as a number, 1 to 47.
    pub fn as_u8(&self) -> u8 {
        self.0
    }

    /// The prefecture's registry row (its six-digit code, e.g. 130001 for 東京都).
    pub fn info(&self) -> &'static LocalGov {
        let code = u32::from(self.0) * 10000;
        let first_five = format!("{:05}", code / 10);
        let full = code + u32::from(MunicipalityCode::check_digit(first_five.as_bytes()));
        &registry()[&full]
    }
}

impl FromStr for PrefectureCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        exact_digits(s, 2, "prefecture_code", "2")?;
        let n: u8 = s.parse().map_err(|_| DomainError::Character {
            field: "prefecture_code",
            reason: "only ASCII digits are allowed",
        })?;
        if !(1..=47).contains(&n) {
            return Err(DomainError::Invalid {
                field: "prefecture_code",
                reason: format!("{s} is not between 01 and 47"),
            });
        }
        Ok(Self(n))
    }
}

impl fmt::Display for PrefectureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl fmt::Debug for PrefectureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrefectureCode({:02})", self.0)
    }
}

impl Serialize for PrefectureCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PrefectureCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_row_passes_its_check_digit_and_parses() {
        let mut n = 0;
        for line in REGISTRY_CSV.lines().skip(1) {
            let code = line.split(',').next().unwrap();
            let parsed: MunicipalityCode = code.parse().unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(parsed.to_string(), code);
            n += 1;
        }
        assert_eq!(n, 1969);
        assert_eq!(all_local_govs().count(), 1969);
    }

    #[track_caller]
    fn check(input: &str, expected: Result<&str, DomainError>) {
        let got = input.parse::<MunicipalityCode>().map(|c| c.info().name);
        assert_eq!(got, expected, "input {input:?}");
    }

    #[test]
    fn municipality_code_table() {
        check("131016", Ok("千代田区"));
        check("131041", Ok("新宿区"));
        check("011002", Ok("札幌市"));
        check("130001", Ok("東京都"));
        check(
            "131017",
            Err(DomainError::CheckDigit {
                field: "municipality_code",
            }),
        );
        check(
            "13101",
            Err(DomainError::Length {
                field: "municipality_code",
                expected: "6",
                actual: 5,
            }),
        );
        check(
            "13101a",
            Err(DomainError::Character {
                field: "municipality_code",
                reason: "only ASCII digits are allowed",
            }),
        );
        check(
            "",
            Err(DomainError::Empty {
                field: "municipality_code",
            }),
        );
        // 99999 + check digit: well-formed, but no such body.
        let cd = MunicipalityCode::check_digit(b"99999");
        let unknown = format!("99999{cd}");
        check(
            &unknown,
            Err(DomainError::UnknownMunicipality {
                code: unknown.clone(),
            }),
        );
    }

    #[test]
    fn lookups_give_name_kana_kind_and_prefecture() {
        let c: MunicipalityCode = "131016".parse().unwrap();
        let info = c.info();
        assert_eq!(info.name_kana, "ちよだく");
        assert_eq!(info.kind, LocalGovKind::Municipality);
        assert_eq!(c.prefecture().to_string(), "13");
        assert_eq!(c.prefecture().info().name, "東京都");
        let ward: MunicipalityCode = "011011".parse().unwrap();
        assert_eq!(ward.info().kind, LocalGovKind::Ward);
    }

    #[test]
    fn codes_round_trip_through_their_number() {
        for code in ["131016", "011002", "130001"] {
            let c: MunicipalityCode = code.parse().unwrap();
            assert_eq!(MunicipalityCode::from_u32(c.as_u32()), Ok(c), "{code}");
        }
        assert_eq!(
            "011002".parse::<MunicipalityCode>().unwrap().as_u32(),
            11002
        );
        assert!(MunicipalityCode::from_u32(131017).is_err());
        assert!(MunicipalityCode::from_u32(1_310_160).is_err());
    }

    #[test]
    fn only_municipalities_are_partitions() {
        assert!(MunicipalityCode::parse_municipality("131016").is_ok());
        assert_eq!(
            MunicipalityCode::parse_municipality("130001"),
            Err(DomainError::WrongKind {
                field: "municipality_code",
                code: "130001".into(),
                kind: "prefecture",
                wanted: "municipality"
            })
        );
        assert!(MunicipalityCode::parse_municipality("011011").is_err());
    }

    #[test]
    fn prefecture_code_table() {
        for (input, ok) in [
            ("01", true),
            ("13", true),
            ("47", true),
            ("00", false),
            ("48", false),
            ("1", false),
            ("1a", false),
        ] {
            assert_eq!(
                input.parse::<PrefectureCode>().is_ok(),
                ok,
                "input {input:?}"
            );
        }
        for n in 1..=47u8 {
            let p: PrefectureCode = format!("{n:02}").parse().unwrap();
            assert_eq!(p.as_u8(), n);
            assert_eq!(p.info().kind, LocalGovKind::Prefecture, "prefecture {n}");
        }
        assert_eq!(
            "48".parse::<PrefectureCode>().map_err(|e| e.to_string()),
            Err("prefecture_code: 48 is not between 01 and 47".to_owned())
        );
        assert_eq!(
            "１３".parse::<PrefectureCode>().map_err(|e| e.to_string()),
            Err("prefecture_code: only ASCII digits are allowed".to_owned())
        );
    }
}
