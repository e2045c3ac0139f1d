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
    fn full_width_digits_become_ascii_and_other_text_is_kept() {
        assert_eq!(ascii_digits("１２３abc"), "123abc");
        assert_eq!(ascii_digits("123"), "123");
        assert!(matches!(ascii_digits("123"), std::borrow::Cow::Borrowed(_)));
    }
}
