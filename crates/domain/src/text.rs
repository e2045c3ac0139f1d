//! Small text normalisations shared by the boundary parsers.

/// Turns full-width digits (`０`–`９`) into ASCII digits and leaves every other
/// character alone. Municipal systems often write numeric columns in full width.
pub fn ascii_digits(input: &str) -> std::borrow::Cow<'_, str> {
    if input.chars().all(|c| !('０'..='９').contains(&c)) {
        return std::borrow::Cow::Borrowed(input);
    }
    std::borrow::Cow::Owned(
        input
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                other => other,
            })
            .collect(),
    )
}

/// Refuses characters that have no place in free text typed at a site or read
/// from a file (S-2-13, prevent illegitimate input): control characters (a CR or
/// tab would reach the ledger CSV), bidirectional overrides and marks (they
/// reorder what a clerk sees) and zero-width characters (they make two names that
/// look the same differ).
pub fn check_free_text(s: &str, field: &'static str) -> Result<(), crate::DomainError> {
    for c in s.chars() {
        let reason = if c.is_control() {
            "control characters are not allowed (S-2-13)"
        } else if matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        {
            "bidirectional control characters are not allowed (S-2-13)"
        } else if matches!(c, '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
        {
            "zero-width characters are not allowed (S-2-13)"
        } else if matches!(c, '\u{2028}' | '\u{2029}') {
            "line and paragraph separators are not allowed (S-2-13)"
        } else {
            continue;
        };
        return Err(crate::DomainError::Character { field, reason });
    }
    Ok(())
}

/// A [`crate::DomainError`] as the reason of a cell error: without the field name
/// (the report names the column) and without the cell's value (an error report
/// never echoes a cell: a My Number pasted into the wrong column would leak).
pub fn cell_reason(e: &crate::DomainError) -> String {
    use crate::DomainError;
    match e {
        DomainError::UnknownMunicipality { .. } => "not a registered local government code".into(),
        DomainError::WrongKind { kind, wanted, .. } => format!("a {kind} code, not a {wanted}"),
        other => {
            let message = other.to_string();
            match message.split_once(": ") {
                Some((_, reason)) => reason.to_owned(),
                None => message,
            }
        }
    }
}

/// Sums `digit × weight` over ASCII digits; the caller has checked they are digits.
pub(crate) fn weighted_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum()
}

/// Checks that `s` is exactly `len` ASCII digits.
pub(crate) fn exact_digits(
    s: &str,
    len: usize,
    field: &'static str,
    expected: &'static str,
) -> Result<(), crate::DomainError> {
    if s.is_empty() {
        return Err(crate::DomainError::Empty { field });
    }
    let count = s.chars().count();
    if count != len {
        return Err(crate::DomainError::Length {
            field,
            expected,
            actual: count,
        });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(crate::DomainError::Character {
            field,
            reason: "only ASCII digits are allowed",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_refuses_control_bidi_and_zero_width_characters_naming_the_field() {
        for (text, ok) in [
            ("千代田区役所", true),
            ("=HYPERLINK(\"x\")", true),
            ("会場\tA", false),
            ("会場\rA", false),
            ("会場\u{7}", false),
            ("abc\u{202E}fed", false),
            ("a\u{2067}b", false),
            ("a\u{200F}b", false),
            ("山\u{200B}田", false),
            ("山\u{FEFF}田", false),
            ("a\u{2028}b", false),
        ] {
            let got = check_free_text(text, "venue");
            assert_eq!(got.is_ok(), ok, "{text:?}");
            if let Err(e) = got {
                assert!(e.to_string().starts_with("venue: "), "{e}");
            }
        }
    }

    #[test]
    fn full_width_digits_become_ascii_and_other_text_is_kept() {
        assert_eq!(ascii_digits("１２３abc"), "123abc");
        assert_eq!(ascii_digits("123"), "123");
        assert!(matches!(ascii_digits("123"), std::borrow::Cow::Borrowed(_)));
    }
}
