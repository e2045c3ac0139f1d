//! `AddressNumber` (宛名番号) and `TicketNumber` (接種券番号).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::text::exact_digits;
use crate::DomainError;

/// A municipality's internal resident number (宛名番号): 1–15 ASCII letters or digits.
///
/// It is unique within one municipality only; it is not the My Number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AddressNumber(String);

impl AddressNumber {
    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AddressNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const FIELD: &str = "address_number";
        if s.is_empty() {
            return Err(DomainError::Empty { field: FIELD });
        }
        let n = s.chars().count();
        if n > 15 {
            return Err(DomainError::Length {
                field: FIELD,
                expected: "1 to 15",
                actual: n,
            });
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DomainError::Character {
                field: FIELD,
                reason: "only ASCII letters and digits are allowed",
            });
        }
        Ok(Self(s.to_owned()))
    }
}

/// A vaccination ticket number (接種券番号): 10 digits, unique within the issuing municipality.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(u64);

impl TicketNumber {
    /// The number as an integer, for compact storage.
    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// Rebuilds a ticket number from [`TicketNumber::as_u64`].
    pub fn from_u64(value: u64) -> Result<Self, DomainError> {
        format!("{value:010}").parse()
    }
}

impl FromStr for TicketNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        exact_digits(s, 10, "ticket_number", "10")?;
        s.parse().map(Self).map_err(|_| DomainError::Character {
            field: "ticket_number",
            reason: "only ASCII digits are allowed",
        })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

impl fmt::Debug for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketNumber({:010})", self.0)
    }
}

impl fmt::Display for AddressNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AddressNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AddressNumber({})", self.0)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TicketNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for AddressNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_number_table() {
        for (input, ok) in [
            ("1", true),
            ("A000123", true),
            ("123456789012345", true),
            ("1234567890123456", false),
            ("12345678901234567", false),
            ("", false),
            ("12-3", false),
            ("１２", false),
            ("ab c", false),
        ] {
            assert_eq!(
                input.parse::<AddressNumber>().is_ok(),
                ok,
                "input {input:?}"
            );
        }
        assert_eq!(
            "".parse::<AddressNumber>(),
            Err(DomainError::Empty {
                field: "address_number"
            })
        );
        assert_eq!(
            "1234567890123456".parse::<AddressNumber>(),
            Err(DomainError::Length {
                field: "address_number",
                expected: "1 to 15",
                actual: 16
            })
        );
        assert_eq!(
            "A000123".parse::<AddressNumber>().unwrap().as_str(),
            "A000123"
        );
        assert_eq!(
            "12-3".parse::<AddressNumber>(),
            Err(DomainError::Character {
                field: "address_number",
                reason: "only ASCII letters and digits are allowed"
            })
        );
    }

    #[test]
    fn ticket_number_table() {
        for (input, ok) in [
            ("0000000001", true),
            ("1234567890", true),
            ("123456789", false),
            ("12345678901", false),
            ("12345678a0", false),
            ("", false),
        ] {
            assert_eq!(input.parse::<TicketNumber>().is_ok(), ok, "input {input:?}");
        }
        let t: TicketNumber = "0000000001".parse().unwrap();
        assert_eq!(t.to_string(), "0000000001");
        assert_eq!(t.as_u64(), 1);
        assert_eq!(TicketNumber::from_u64(t.as_u64()).unwrap(), t);
        assert_eq!(
            TicketNumber::from_u64(9_999_999_999).unwrap().as_u64(),
            9_999_999_999
        );
        assert!(TicketNumber::from_u64(10_000_000_000).is_err());
    }
}
