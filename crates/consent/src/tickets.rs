//! When the ticket of a moved-in person's next dose is due (L13: the reason inquiry exists).

use chrono::NaiveDate;
use vrs_domain::schedule::ticket_interval;
use vrs_domain::{BirthDate, DoseNumber};

/// No ticket-sending interval of that dose was in force on the day asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no ticket-sending interval for dose {dose} was in force on {on}")]
pub struct NoTicketInterval {
    /// The dose asked for.
    pub dose: DoseNumber,
    /// The day asked for.
    pub on: NaiveDate,
}

/// Whether tickets of dose `dose` are sent at all on `on` (for anyone).
pub fn tickets_sent(dose: DoseNumber, on: NaiveDate) -> Result<(), NoTicketInterval> {
    // Some age group has an interval in force, or none does.
    if [0, 64, 65]
        .iter()
        .any(|age| ticket_interval(dose, *age, on).is_some())
    {
        Ok(())
    } else {
        Err(NoTicketInterval { dose, on })
    }
}

/// Legal basis: L13 (別紙13)
///
/// > Inquiry of the previous municipality's records when a person moves, to send a
/// > vaccination ticket, rests on My Number Act art. 19 item 16. For the 3rd-dose
/// > tickets (due ~8 months after the 2nd dose) obtaining consent in time is deemed
/// > difficult.
///
/// Interpretation: the ticket of dose N is due on `on` when the person's previous
/// dose (dose N-1, registered here or carried over from the previous municipality)
/// lies at least the ticket-sending interval before `on`. The interval is the one in
/// force on `on` for the person's age that day (the vaccine catalog's schedule, with
/// the health ministry's decisions and their effective dates): 8 months after the 2nd
/// dose from 2021-12-01; 7 months for people aged 65 or over from 2022-02-01; from
/// 2022-03-01 6 months for them and 7 for people aged 64 or under. The answer is the
/// day the ticket fell due, `None` when it is not due yet. The caller lists only
/// people who hold dose N-1 and not dose N.
pub fn ticket_due_on(
    dose: DoseNumber,
    previous_dose_on: NaiveDate,
    birth: BirthDate,
    on: NaiveDate,
) -> Option<NaiveDate> {
    let rule = ticket_interval(dose, birth.age_on(on), on)?;
    let due = rule.interval.after(previous_dose_on);
    (due <= on).then_some(due)
}
