//! `Principal`: who is acting — a municipality, a vaccination site, a prefecture,
//! the State or the system operator.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::{DomainError, MunicipalityCode, PrefectureCode};

/// The acting party of a use case, written `municipality:131016`, `site:131016`,
/// `prefecture:13`, `national` or `operator` on the command line.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A municipality acting as the holder of its residents' data (住所地).
    Municipality(MunicipalityCode),
    /// A vaccination venue run by, or in, that municipality (接種地).
    Site(MunicipalityCode),
    /// A prefecture (statistics only, T1-4-6).
    Prefecture(PrefectureCode),
    /// The State (statistics only, T1-4-6).
    National,
    /// The system operator (consents, emergency stop, keys; no personal data).
    Operator,
}

impl Principal {
    /// The kind of principal as a word, e.g. `"municipality"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Municipality(_) => "municipality",
            Self::Site(_) => "site",
            Self::Prefecture(_) => "prefecture",
            Self::National => "national",
            Self::Operator => "operator",
        }
    }
}

impl FromStr for Principal {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (s, None),
        };
        let need_none = |p: Principal| match arg {
            None => Ok(p),
            Some(_) => Err(DomainError::Invalid {
                field: "principal",
                reason: format!("{kind} takes no code"),
            }),
        };
        let need = || {
            arg.ok_or_else(|| DomainError::Invalid {
                field: "principal",
                reason: format!("{kind} needs a code, e.g. {kind}:131016"),
            })
        };
        match kind {
            "municipality" => Ok(Self::Municipality(MunicipalityCode::parse_municipality(
                need()?,
            )?)),
            "site" => Ok(Self::Site(MunicipalityCode::parse_municipality(need()?)?)),
            "prefecture" => Ok(Self::Prefecture(need()?.parse()?)),
            "national" => need_none(Self::National),
            "operator" => need_none(Self::Operator),
            _ => Err(DomainError::Invalid {
                field: "principal",
                reason:
                    "expected municipality:CODE, site:CODE, prefecture:NN, national or operator"
                        .into(),
            }),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Municipality(c) => write!(f, "municipality:{c}"),
            Self::Site(c) => write!(f, "site:{c}"),
            Self::Prefecture(p) => write!(f, "prefecture:{p}"),
            Self::National => f.write_str("national"),
            Self::Operator => f.write_str("operator"),
        }
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Principal({self})")
    }
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_table() {
        for (input, ok) in [
            ("municipality:131016", true),
            ("site:011002", true),
            ("prefecture:13", true),
            ("national", true),
            ("operator", true),
            ("municipality:130001", false),
            ("municipality", false),
            ("national:13", false),
            ("prefecture:48", false),
            ("city:131016", false),
            ("municipality:131017", false),
        ] {
            let got = input.parse::<Principal>();
            assert_eq!(got.is_ok(), ok, "input {input:?}: {got:?}");
            if let Ok(p) = got {
                assert_eq!(p.to_string(), input);
            }
        }
        for (input, want) in [
            ("national:13", "principal: national takes no code"),
            ("operator:131016", "principal: operator takes no code"),
            ("site", "principal: site needs a code, e.g. site:131016"),
            (
                "prefecture",
                "principal: prefecture needs a code, e.g. prefecture:131016",
            ),
            (
                "municipality:130001",
                "municipality_code: 130001 is a prefecture, not a municipality",
            ),
        ] {
            assert_eq!(
                input.parse::<Principal>().map_err(|e| e.to_string()).err(),
                Some(want.to_owned()),
                "input {input:?}"
            );
        }
    }
}
