//! Why a dose was not registered or changed: the typed reasons of the dose
//! admission rules (the checks on the facts, not legal refusals).

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::{DoseId, MunicipalityCode, TicketNumber, VaccineProduct};

/// Why a dose was not registered or changed. These are checks on the facts (not
/// legal refusals); each is reported with its reason and audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rejected", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rejection {
    /// The OCR line is well formed but no resident of the municipality holds the ticket.
    UnissuedTicket {
        /// The residence municipality of the OCR line.
        municipality: MunicipalityCode,
        /// The ticket number.
        ticket_number: TicketNumber,
    },
    /// The vaccination date is after today.
    FutureDate {
        /// The date given.
        date: NaiveDate,
        /// Today (Japan time).
        today: NaiveDate,
    },
    /// The vaccination date is before the person's birth.
    BeforeBirth {
        /// The date given.
        date: NaiveDate,
    },
    /// The person already has a dose of the number this one would take.
    DoseNumberHeld {
        /// The number.
        dose_number: u8,
        /// The dose that holds it.
        held_by: DoseId,
    },
    /// The person would have more than nine doses.
    TooManyDoses,
    /// The date is closer to the previous dose than the product allows.
    TooSoon {
        /// The previous dose's date.
        previous: NaiveDate,
        /// Days between the two.
        days: i64,
        /// The product's minimum for this dose number.
        min_days: u16,
        /// The product.
        vaccine: VaccineProduct,
    },
    /// No dose of that id in the partition.
    NotFound {
        /// The id asked for.
        dose_id: DoseId,
    },
    /// The dose was marked entered-in-error; it can no longer be changed.
    Deleted {
        /// The id.
        dose_id: DoseId,
    },
    /// A correction that changes nothing.
    NoChange,
    /// A corrected date would put the dose before an earlier-numbered dose, after a
    /// later-numbered one, or on the day of another dose of the person.
    OutOfOrder {
        /// The dose's number.
        dose_number: u8,
        /// The other dose.
        other: DoseId,
        /// The other dose's date.
        other_date: NaiveDate,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnissuedTicket {
                municipality,
                ticket_number,
            } => write!(
                f,
                "ticket number {ticket_number} was not issued to any resident of {municipality}"
            ),
            Self::FutureDate { date, today } => {
                write!(f, "vaccination date {date} is after today ({today})")
            }
            Self::BeforeBirth { date } => {
                write!(f, "vaccination date {date} is before the person's birth")
            }
            Self::DoseNumberHeld {
                dose_number,
                held_by,
            } => write!(
                f,
                "the person already has dose {dose_number} ({held_by})"
            ),
            Self::TooManyDoses => f.write_str("the person already has nine doses"),
            Self::TooSoon {
                previous,
                days,
                min_days,
                vaccine,
            } => write!(
                f,
                "{days} days after the previous dose of {previous}; {vaccine} needs at least {min_days}"
            ),
            Self::NotFound { dose_id } => write!(f, "no dose {dose_id}"),
            Self::Deleted { dose_id } => {
                write!(f, "dose {dose_id} was marked entered-in-error")
            }
            Self::NoChange => f.write_str("the correction changes nothing"),
            Self::OutOfOrder {
                dose_number,
                other,
                other_date,
            } => write!(
                f,
                "dose {dose_number} would be out of order with {other} of {other_date}"
            ),
        }
    }
}

impl Rejection {
    /// The input column the rejection is about (for bulk-upload reports).
    pub fn column(&self) -> &'static str {
        match self {
            Self::UnissuedTicket { .. } => "ocr_line",
            _ => "date",
        }
    }
}
