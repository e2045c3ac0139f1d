//! Dose admission: the rules that decide whether a dose entered by a venue (D12-2)
//! or corrected by the holding municipality (T1-5-1) may stand, as pure functions
//! over what the store loaded (the person's birth date and the doses held) and
//! today's date. No I/O and no clock: the store loads, calls these and persists.
//!
//! Registration ([`admit_dose`]) and correction ([`correct_dose`]) share the checks
//! on the date (not after today, not before birth) and the product's minimum
//! interval ([`crate::schedule::earliest_dose_date`]); the age on the dose date is
//! always [`BirthDate::age_on`].

mod correction;
mod rejection;

use std::fmt;

use chrono::NaiveDate;

use crate::schedule::earliest_dose_date;
use crate::{
    BirthDate, Dose, DoseEntry, DoseId, DoseNumber, DoseStatus, LotNumber, MunicipalityCode,
    Principal, VaccineProduct,
};

pub use correction::{correct_dose, Corrected, Correction};
pub use rejection::Rejection;

/// An active dose the person already holds, as the admission rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDose {
    /// Its identifier.
    pub id: DoseId,
    /// Its number in the person's series.
    pub dose_number: DoseNumber,
    /// Its vaccination date.
    pub date: NaiveDate,
    /// Its product.
    pub product: VaccineProduct,
    /// Its lot.
    pub lot: LotNumber,
    /// Whether the holding municipality confirmed (locked) it.
    pub confirmed: bool,
}

/// What registering an entry does, when it is admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission<'h> {
    /// A new dose with this number; `age` is the person's age on the dose date.
    New {
        /// The number the dose takes in the person's series.
        dose_number: DoseNumber,
        /// The person's age in whole years on the vaccination date.
        age: i32,
    },
    /// The same dose (same day, product and lot) is already held: nothing to write.
    Existing(&'h HeldDose),
    /// A re-upload with other facts for an unconfirmed dose of the same day: a new
    /// version of that dose.
    Replace(&'h HeldDose),
    /// A re-upload with other facts for a confirmed dose of the same day: the
    /// confirmed dose is kept.
    KeepConfirmed(&'h HeldDose),
}

/// Legal basis: D12-2, T1-5-1 (別紙12 D12-2, 別紙1 第5条第1項)
///
/// > Vaccination venues read tickets with AI-OCR and send the records.
///
/// Interpretation: an entry is admitted only for a ticket issued to a resident of
/// the OCR line's municipality (`birth` is that resident's birth date, `None` when
/// no resident holds the ticket), dated neither after `today` nor before birth. A
/// dose already held on the same day is the same dose when product and lot agree
/// (a repeated registration); otherwise a re-upload (`reupload`, bulk files)
/// replaces it unless it was confirmed, and a single registration is refused. A new
/// dose takes the number after the latest earlier dose; that number must be free,
/// at most nine, and the product's minimum interval after the previous dose must
/// have passed. `held` is the person's active doses in dose-number order.
pub fn admit_dose<'h>(
    entry: &DoseEntry,
    birth: Option<BirthDate>,
    held: &'h [HeldDose],
    today: NaiveDate,
    reupload: bool,
) -> Result<Admission<'h>, Rejection> {
    let Some(birth) = birth else {
        return Err(Rejection::UnissuedTicket {
            municipality: entry.ocr.municipality(),
            ticket_number: entry.ocr.ticket_number(),
        });
    };
    dated_between_birth_and_today(entry.date, birth, today)?;
    // The doses before this one, and the rest (of which one may be of the same day).
    let (earlier, rest): (Vec<&HeldDose>, Vec<&HeldDose>) =
        held.iter().partition(|h| h.date < entry.date);
    if let Some(&same_day) = rest.iter().find(|h| h.date == entry.date) {
        if same_day.product == entry.product && same_day.lot == entry.lot {
            return Ok(Admission::Existing(same_day));
        }
        if reupload {
            return Ok(if same_day.confirmed {
                Admission::KeepConfirmed(same_day)
            } else {
                Admission::Replace(same_day)
            });
        }
        return Err(Rejection::DoseNumberHeld {
            dose_number: same_day.dose_number.get(),
            held_by: same_day.id,
        });
    }
    let previous = earlier.into_iter().max_by_key(|h| h.date);
    let number = previous.map_or(1, |p| p.dose_number.get() + 1);
    if let Some(h) = held.iter().find(|h| h.dose_number.get() == number) {
        return Err(Rejection::DoseNumberHeld {
            dose_number: number,
            held_by: h.id,
        });
    }
    let Ok(dose_number) = DoseNumber::new(number) else {
        return Err(Rejection::TooManyDoses);
    };
    if let Some(p) = previous {
        interval_kept(entry.product, dose_number, p.date, entry.date)?;
    }
    Ok(Admission::New {
        dose_number,
        age: birth.age_on(entry.date),
    })
}

/// The date checks shared by registration and correction: not after today, not
/// before the person's birth.
fn dated_between_birth_and_today(
    date: NaiveDate,
    birth: BirthDate,
    today: NaiveDate,
) -> Result<(), Rejection> {
    if date > today {
        return Err(Rejection::FutureDate { date, today });
    }
    if date < birth.date() {
        return Err(Rejection::BeforeBirth { date });
    }
    Ok(())
}

/// The product's minimum interval between the previous dose and this one.
fn interval_kept(
    vaccine: VaccineProduct,
    dose_number: DoseNumber,
    previous: NaiveDate,
    date: NaiveDate,
) -> Result<(), Rejection> {
    let earliest = earliest_dose_date(vaccine, dose_number, previous, date);
    if date < earliest {
        return Err(Rejection::TooSoon {
            previous,
            days: (date - previous).num_days(),
            min_days: u16::try_from((earliest - previous).num_days()).unwrap_or(u16::MAX),
            vaccine,
        });
    }
    Ok(())
}

/// Legal basis: T1-5-1 (別紙1 第5条第1項)
///
/// > A municipality may correct, add, delete and erase the data it manages.
///
/// Interpretation: a held dose may be changed (corrected, deleted, confirmed)
/// unless it was marked entered-in-error: nothing is erased, and the deleted
/// version is the record of the deletion.
pub fn changeable(dose: &Dose) -> Result<(), Rejection> {
    match dose.status {
        DoseStatus::EnteredInError => Err(Rejection::Deleted { dose_id: dose.id }),
        DoseStatus::Active => Ok(()),
    }
}

/// The municipality where a dose was given: the acting venue's or municipality's
/// own, else (a principal without one) the area's.
pub fn vaccinated_in(principal: Principal, area: MunicipalityCode) -> MunicipalityCode {
    match principal {
        Principal::Site(s) | Principal::Municipality(s) => s,
        _ => area,
    }
}

/// Why an admitted dose is flagged for a human check by the holding municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReviewReason {
    /// The ticket was printed for another dose of the series than the one derived.
    TicketForAnotherDose {
        /// The dose the ticket was printed for.
        ticket: u8,
        /// The dose number derived from the doses held.
        dose_number: DoseNumber,
    },
    /// A venue of another municipality registered it (T1-3-1-6).
    OnBehalf {
        /// Who registered it.
        by: Principal,
        /// Where the dose was given.
        vaccinated_in: MunicipalityCode,
    },
    /// The lot was never seen before for the product.
    NewLot {
        /// The lot.
        lot: LotNumber,
        /// The product.
        product: VaccineProduct,
    },
    /// A booster-only product given as a first dose.
    BoosterOnlyAsFirstDose {
        /// The product.
        product: VaccineProduct,
    },
}

impl fmt::Display for ReviewReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TicketForAnotherDose {
                ticket,
                dose_number,
            } => write!(
                f,
                "the ticket is for dose {ticket} but this is dose {dose_number} of the person"
            ),
            Self::OnBehalf { by, vaccinated_in } => write!(
                f,
                "registered on behalf by {by} (vaccinated in {vaccinated_in})"
            ),
            Self::NewLot { lot, product } => {
                write!(f, "lot {lot} was not known for {product} before")
            }
            Self::BoosterOnlyAsFirstDose { product } => {
                write!(f, "{product} is authorised as a booster only")
            }
        }
    }
}

/// Legal basis: T1-5-1, T1-3-1-6 (別紙1 第5条第1項, 第3条第1項第6号)
///
/// > A municipality may correct, add, delete and erase the data it manages.
///
/// Interpretation: the holding municipality checks what it did not enter itself
/// or what looks unusual, so an admitted new dose is flagged when its ticket was
/// for another dose, when a venue of another municipality registered it on the
/// residence municipality's behalf (`on_behalf` names who and where), when its
/// lot is new for the product (`new_lot`, known only to the store), or when a
/// booster-only product is a first dose.
pub fn review_reasons(
    entry: &DoseEntry,
    dose_number: DoseNumber,
    on_behalf: Option<(Principal, MunicipalityCode)>,
    new_lot: bool,
) -> Vec<ReviewReason> {
    let mut review = Vec::new();
    if entry.ocr.dose_count() != dose_number.get() {
        review.push(ReviewReason::TicketForAnotherDose {
            ticket: entry.ocr.dose_count(),
            dose_number,
        });
    }
    if let Some((by, vaccinated_in)) = on_behalf {
        review.push(ReviewReason::OnBehalf { by, vaccinated_in });
    }
    if new_lot {
        review.push(ReviewReason::NewLot {
            lot: entry.lot.clone(),
            product: entry.product,
        });
    }
    if dose_number.get() == 1 && entry.product.booster_only() {
        review.push(ReviewReason::BoosterOnlyAsFirstDose {
            product: entry.product,
        });
    }
    review
}

#[cfg(test)]
mod tests;
