//! Use cases of a person who moves, besides the inquiry: the residents whose next
//! vaccination ticket is due (L13).

use chrono::NaiveDate;
use vrs_consent::{tickets_sent, Action};
use vrs_domain::{DoseNumber, Principal};

use crate::{target, Answer, TicketDue, Vrs, VrsError};

impl Vrs {
    /// L13: the residents of the acting municipality whose ticket for dose `dose`
    /// is due on `on` (their previous dose, own or carried over, lies at least the
    /// ticket-sending interval in force on `on` before it). A dose whose tickets were
    /// not sent on `on` (e.g. 3rd doses before 2021-12-01) is bad input.
    pub fn tickets_due(
        &mut self,
        principal: Principal,
        dose: DoseNumber,
        on: NaiveDate,
    ) -> Result<Answer<Vec<TicketDue>>, VrsError> {
        tickets_sent(dose, on).map_err(VrsError::Tickets)?;
        let partition = target(principal, None);
        match self.decide(principal, Action::ListTicketsDue, partition, None)? {
            Ok(allowed) => Ok(Answer::Done(self.store.tickets_due(&allowed, dose, on)?)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }
}
