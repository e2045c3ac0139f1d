//! Correcting a dose (T1-5-1): which corrected facts may stand, given the person's
//! birth date and their other active doses.

use chrono::NaiveDate;

use super::{dated_between_birth_and_today, interval_kept, HeldDose, Rejection};
use crate::{BirthDate, DoctorName, Dose, DoseNumber, LotNumber, VaccineProduct, VenueName};

/// A correction of a dose's facts (each `None` keeps the held value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    /// New date.
    pub date: Option<NaiveDate>,
    /// New product.
    pub vaccine: Option<VaccineProduct>,
    /// New lot.
    pub lot: Option<LotNumber>,
    /// New venue.
    pub venue: Option<VenueName>,
    /// New doctor.
    pub doctor: Option<DoctorName>,
    /// New dose number (e.g. a carried-over dose that clashed, T1-5-1).
    pub dose_number: Option<DoseNumber>,
}

impl Correction {
    /// The names of the fields the correction sets, in a fixed order (for the audit).
    pub fn fields(&self) -> Vec<&'static str> {
        [
            self.date.map(|_| "date"),
            self.vaccine.map(|_| "vaccine"),
            self.lot.as_ref().map(|_| "lot"),
            self.venue.as_ref().map(|_| "venue"),
            self.doctor.as_ref().map(|_| "doctor"),
            self.dose_number.map(|_| "dose_number"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The facts of a dose after an admitted correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    /// The date.
    pub date: NaiveDate,
    /// The product.
    pub vaccine: VaccineProduct,
    /// The lot.
    pub lot: LotNumber,
    /// The venue.
    pub venue: Option<VenueName>,
    /// The doctor.
    pub doctor: Option<DoctorName>,
    /// The dose number.
    pub dose_number: DoseNumber,
    /// The person's age in whole years on the date.
    pub age: i32,
}

/// Legal basis: T1-5-1 (別紙1 第5条第1項)
///
/// > A municipality may correct, add, delete and erase the data it manages.
///
/// Interpretation: a correction must change something; the corrected date, like a
/// registered one, lies neither after `today` nor before birth. When the date, the
/// product or the number changes, the person's `others` (their other active doses)
/// must stay in date order around this one (no other dose on the same day, none of
/// a lower number later, none of a higher number earlier), the number must be free,
/// and the product's minimum interval after the latest lower-numbered dose must hold.
pub fn correct_dose(
    dose: &Dose,
    correction: &Correction,
    birth: BirthDate,
    others: &[HeldDose],
    today: NaiveDate,
) -> Result<Corrected, Rejection> {
    let date = correction.date.unwrap_or(dose.date);
    let vaccine = correction.vaccine.unwrap_or(dose.vaccine);
    let lot = correction.lot.clone().unwrap_or_else(|| dose.lot.clone());
    let venue = correction.venue.clone().or_else(|| dose.venue.clone());
    let doctor = correction.doctor.clone().or_else(|| dose.doctor.clone());
    let number = correction.dose_number.unwrap_or(dose.dose_number);
    if date == dose.date
        && vaccine == dose.vaccine
        && lot == dose.lot
        && venue == dose.venue
        && doctor == dose.doctor
        && number == dose.dose_number
    {
        return Err(Rejection::NoChange);
    }
    dated_between_birth_and_today(date, birth, today)?;
    if date != dose.date || vaccine != dose.vaccine || number != dose.dose_number {
        in_series_order(date, vaccine, number, others)?;
    }
    Ok(Corrected {
        date,
        vaccine,
        lot,
        venue,
        doctor,
        dose_number: number,
        age: birth.age_on(date),
    })
}

/// The corrected dose keeps its place among the person's other doses and the
/// product's interval after the previous one.
fn in_series_order(
    date: NaiveDate,
    vaccine: VaccineProduct,
    number: DoseNumber,
    others: &[HeldDose],
) -> Result<(), Rejection> {
    let n = number.get();
    let mut previous: Option<NaiveDate> = None;
    for other in others {
        let m = other.dose_number.get();
        if m == n {
            return Err(Rejection::DoseNumberHeld {
                dose_number: n,
                held_by: other.id,
            });
        }
        let out_of_order =
            other.date == date || (m < n && other.date > date) || (m > n && other.date < date);
        if out_of_order {
            return Err(Rejection::OutOfOrder {
                dose_number: n,
                other: other.id,
                other_date: other.date,
            });
        }
        if m < n && previous.is_none_or(|p| other.date > p) {
            previous = Some(other.date);
        }
    }
    match previous {
        Some(p) => interval_kept(vaccine, number, p, date),
        None => Ok(()),
    }
}
