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

/// The latest previous-dose date whose ticket of dose `dose` can be due on `on`
/// for anyone (the shortest interval in force, with a few days' slack for month
/// ends): a bound that lets the caller skip people [`ticket_due_on`] would answer
/// `None` for. `None` when no ticket of that dose is sent on `on`.
pub fn latest_previous_dose_possibly_due(dose: DoseNumber, on: NaiveDate) -> Option<NaiveDate> {
    [0, 64, 65]
        .iter()
        .filter_map(|age| ticket_interval(dose, *age, on))
        // The date arithmetic is Span's (vrs-domain, tested there with day spans too:
        // every ticket interval in the catalog is in months).
        .map(|t| t.interval.before(on))
        .max()
        .map(|d| d + chrono::Days::new(3))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l13_no_third_dose_ticket_is_sent_before_2021_12_01_nor_any_fourth_dose_ticket() {
        // L13 inquiries exist to send the next dose's ticket: on a day no ticket of that
        // dose is sent to anyone, there is nothing to inquire for, and the refusal says
        // which dose and day.
        let third = DoseNumber::new(3).unwrap();
        let fourth = DoseNumber::new(4).unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            tickets_sent(third, day("2021-11-30")),
            Err(NoTicketInterval {
                dose: third,
                on: day("2021-11-30")
            })
        );
        assert_eq!(tickets_sent(third, day("2021-12-01")), Ok(()));
        assert_eq!(tickets_sent(third, day("2022-03-01")), Ok(()));
        assert_eq!(
            tickets_sent(fourth, day("2022-06-01")),
            Err(NoTicketInterval {
                dose: fourth,
                on: day("2022-06-01")
            })
        );
    }

    #[test]
    fn the_bound_never_skips_anyone_who_is_due() {
        let third = DoseNumber::new(3).unwrap();
        let start: NaiveDate = "2021-01-01".parse().unwrap();
        for on in [
            "2021-12-01",
            "2022-01-31",
            "2022-02-01",
            "2022-02-28",
            "2022-03-01",
            "2022-03-31",
            "2022-08-31",
        ] {
            let on: NaiveDate = on.parse().unwrap();
            let bound = latest_previous_dose_possibly_due(third, on).unwrap();
            for age_birth in ["1950-01-01", "1990-06-30"] {
                let birth: BirthDate = age_birth.parse().unwrap();
                for k in 0..500 {
                    let previous = start + chrono::Days::new(k);
                    if ticket_due_on(third, previous, birth, on).is_some() {
                        assert!(
                            previous <= bound,
                            "{previous} due on {on} but after the bound {bound}"
                        );
                    }
                }
            }
        }
        assert_eq!(
            latest_previous_dose_possibly_due(third, "2021-11-30".parse().unwrap()),
            None
        );
    }
}
