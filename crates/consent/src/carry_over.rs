//! Doses carried over from the previous municipality's answer to an inquiry, and
//! the numbers they take in the new municipality's records (T1-5-1, D12-3).

use chrono::NaiveDate;
use serde::Serialize;
use vrs_domain::DoseNumber;

/// A dose the new municipality already holds for the person (its own or carried over).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldDose {
    /// Its number in the new municipality's records.
    pub dose_number: DoseNumber,
    /// Its date.
    pub date: NaiveDate,
}

/// What becomes of one answered dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "carry_over", rename_all = "snake_case")]
pub enum CarryOver {
    /// Recorded with this number (the holder's own).
    Add {
        /// The number it takes.
        dose_number: DoseNumber,
    },
    /// A dose of that date is already held (recorded by an earlier inquiry, or here).
    AlreadyHeld,
    /// The number is held by a dose of another date, or the dates are out of order
    /// with the held doses: left for the municipality to correct (T1-5-1).
    Conflict {
        /// The held dose it clashes with.
        with_dose_number: DoseNumber,
        /// That dose's date.
        with_date: NaiveDate,
    },
}

/// Legal basis: T1-5-1, D12-3 (別紙1 第5条第1項; 別紙12 3)
///
/// > A municipality may correct, add, delete and erase the data it manages (T1-5-1).
/// > Records are provided to other municipalities in response to their inquiries
/// > (D12-3).
///
/// Interpretation: a dose the previous municipality provided is added to the new
/// municipality's records with the number the holder gave it, so that the person's
/// next dose registered here gets the following number and the interval checks see
/// its date. A dose of a date already held is not added twice. A dose whose number is
/// held by a dose of another date, or whose date would be out of order with the held
/// doses (a lower number later, a higher number earlier), is not added: the
/// municipality resolves the clash by correcting the number with a reason (T1-5-1),
/// every version being kept.
pub fn carry_over(held: &[HeldDose], number: DoseNumber, date: NaiveDate) -> CarryOver {
    if held.iter().any(|h| h.date == date) {
        return CarryOver::AlreadyHeld;
    }
    // No held dose has this date (above), so the two orders can only agree or
    // disagree: the same number on another date, or numbers and dates in opposite
    // orders, is a clash.
    let clash = held
        .iter()
        .find(|h| h.dose_number.cmp(&number) != h.date.cmp(&date));
    match clash {
        Some(h) => CarryOver::Conflict {
            with_dose_number: h.dose_number,
            with_date: h.date,
        },
        None => CarryOver::Add {
            dose_number: number,
        },
    }
}
