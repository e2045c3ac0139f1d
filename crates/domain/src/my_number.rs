//! `MyNumber`: the Individual Number (個人番号), 12 digits with a check digit.

use std::fmt;
use std::str::FromStr;

use crate::text::{exact_digits, weighted_sum};
use crate::DomainError;

const FIELD: &str = "my_number";

/// How a My Number is shown to humans anywhere in vrs: twelve asterisks.
pub const MASKED: &str = "************";

/// A valid Individual Number (個人番号).
///
/// The check digit is verified at construction (My Number Act enforcement
/// ordinance, art. 8): with weights `6,5,4,3,2,7,6,5,4,3,2` over digits 1..11,
/// check = 11 − (Σ mod 11), or 0 when the remainder is 0 or 1.
///
/// `Debug` and `Display` print [`MASKED`], never the digits; there is no
/// `Serialize`. The digits leave this type only through [`MyNumber::expose`],
/// which the store uses to encrypt and blind-index them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MyNumber([u8; 12]);

impl MyNumber {
    /// The digits, for sealing (encryption, blind index) and card comparison only.
    /// Never log, print or serialise what this returns.
    pub fn expose(&self) -> &str {
        // The constructor admits ASCII digits only.
        std::str::from_utf8(&self.0).unwrap_or(MASKED)
    }

    /// The masked form shown to humans.
    pub fn masked(&self) -> &'static str {
        MASKED
    }

    /// The check digit the first eleven digits call for.
    pub fn check_digit(first_eleven: &[u8]) -> u8 {
        const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        let remainder = weighted_sum(first_eleven, &WEIGHTS) % 11;
        if remainder <= 1 {
            0
        } else {
            (11 - remainder) as u8
        }
    }
}

impl FromStr for MyNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        exact_digits(s, 12, FIELD, "12")?;
        let bytes = s.as_bytes();
        if bytes[11] - b'0' != Self::check_digit(&bytes[..11]) {
            return Err(DomainError::CheckDigit { field: FIELD });
        }
        let mut digits = [0u8; 12];
        digits.copy_from_slice(bytes);
        Ok(Self(digits))
    }
}

impl TryFrom<String> for MyNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl<'de> serde::Deserialize<'de> for MyNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber({MASKED})")
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASKED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expected: Result<(), DomainError>) {
        assert_eq!(
            input.parse::<MyNumber>().map(|_| ()),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn my_number_table() {
        let len = |actual| DomainError::Length {
            field: FIELD,
            expected: "12",
            actual,
        };
        let chars = DomainError::Character {
            field: FIELD,
            reason: "only ASCII digits are allowed",
        };
        let cd = DomainError::CheckDigit { field: FIELD };
        check("123456789018", Ok(()));
        check("537686677188", Ok(()));
        check("123456789010", Err(cd));
        check("", Err(DomainError::Empty { field: FIELD }));
        check("12345678901", Err(len(11)));
        check("1234567890180", Err(len(13)));
        check("12345678901a", Err(chars.clone()));
        check("１２３４５６７８９０１８", Err(chars.clone()));
        check(" 23456789018", Err(chars));
    }

    #[test]
    fn a_my_number_is_also_checked_when_it_comes_as_a_string() {
        assert_eq!(
            MyNumber::try_from("537686677188".to_owned()).map(|n| n.expose().to_owned()),
            Ok("537686677188".to_owned())
        );
        assert_eq!(
            MyNumber::try_from("537686677189".to_owned()),
            Err(DomainError::CheckDigit { field: FIELD })
        );
        let n: MyNumber = serde_json::from_str("\"537686677188\"").unwrap();
        assert_eq!(n.expose(), "537686677188");
        assert!(serde_json::from_str::<MyNumber>("\"537686677189\"").is_err());
    }

    #[test]
    fn debug_and_display_never_show_the_digits() {
        let n: MyNumber = "537686677188".parse().unwrap();
        assert_eq!(format!("{n}"), MASKED);
        assert!(!format!("{n:?}").contains("5376"));
        assert_eq!(n.expose(), "537686677188");
    }

    #[test]
    fn remainder_zero_or_one_gives_check_digit_zero() {
        // 11 digits whose weighted sum mod 11 is 0: all zeros.
        assert_eq!(MyNumber::check_digit(b"00000000000"), 0);
        "000000000000".parse::<MyNumber>().unwrap();
    }

    fn remainder(s: &str) -> u32 {
        weighted_sum(&s.as_bytes()[..11], &[6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11
    }

    #[test]
    fn the_check_digit_cannot_see_a_change_between_remainders_zero_and_one() {
        // 000000000000 has remainder 0; raising digit 7 (weight 6) by 2 adds 12 ≡ 1.
        assert_eq!(remainder("000000200000"), 1);
        "000000200000".parse::<MyNumber>().unwrap();
    }

    fn valid_my_number() -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, 11).prop_map(|d| {
            let mut s: Vec<u8> = d.iter().map(|x| b'0' + x).collect();
            let c = MyNumber::check_digit(&s);
            s.push(b'0' + c);
            String::from_utf8(s).unwrap()
        })
    }

    proptest! {
        #[test]
        fn a_random_valid_my_number_round_trips(s in valid_my_number()) {
            let n: MyNumber = s.parse().unwrap();
            prop_assert_eq!(n.expose(), s.as_str());
        }

        /// The scheme maps remainders 0 and 1 to the same check digit, so a change
        /// that moves the remainder between exactly those two values cannot be seen
        /// by any implementation; every other single-digit change is rejected.
        #[test]
        fn any_single_digit_change_is_rejected(s in valid_my_number(), pos in 0usize..12, delta in 1u8..10) {
            let mut bytes = s.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let blind_spot = pos < 11 && remainder(&s) <= 1 && remainder(&changed) <= 1;
            prop_assert!(blind_spot || changed.parse::<MyNumber>().is_err(), "{} accepted", changed);
        }
    }
}
