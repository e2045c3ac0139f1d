//! `Sex`: the resident registry's sex code (ISO/IEC 5218 subset used by VRS and the card).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::DomainError;

/// Sex as recorded in the resident registry and on the My Number card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// `1`, 男.
    Male,
    /// `2`, 女.
    Female,
    /// `9`: not applicable.
    NotApplicable,
}

impl Sex {
    /// The one-digit code: 1, 2 or 9.
    pub fn code(self) -> u8 {
        match self {
            Self::Male => 1,
            Self::Female => 2,
            Self::NotApplicable => 9,
        }
    }

    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::NotApplicable => "not_applicable",
        }
    }
}

impl FromStr for Sex {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "1" | "１" | "男" | "男性" => Ok(Self::Male),
            "2" | "２" | "女" | "女性" => Ok(Self::Female),
            "9" | "９" => Ok(Self::NotApplicable),
            "" => Err(DomainError::Empty { field: "sex" }),
            _ => Err(DomainError::Invalid {
                field: "sex",
                reason: "expected 1, 2, 9, 男 or 女".into(),
            }),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_table() {
        for (input, expected) in [
            ("1", Some(Sex::Male)),
            ("男", Some(Sex::Male)),
            ("2", Some(Sex::Female)),
            ("女", Some(Sex::Female)),
            ("9", Some(Sex::NotApplicable)),
            ("0", None),
            ("3", None),
            ("M", None),
            ("", None),
            ("１", Some(Sex::Male)),
            ("男性", Some(Sex::Male)),
            ("２", Some(Sex::Female)),
            ("女性", Some(Sex::Female)),
            ("９", Some(Sex::NotApplicable)),
        ] {
            assert_eq!(input.parse::<Sex>().ok(), expected, "input {input:?}");
        }
        assert_eq!("".parse::<Sex>(), Err(DomainError::Empty { field: "sex" }));
        for s in [Sex::Male, Sex::Female, Sex::NotApplicable] {
            assert_eq!(s.code().to_string().parse::<Sex>().unwrap(), s);
        }
    }
}
