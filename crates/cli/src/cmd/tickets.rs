//! `vrs tickets due`: the residents whose next vaccination ticket is due (L13).

use clap::{Args, Subcommand};
use vrs::domain::{parse_dose_date, DoseNumber, Principal};
use vrs::{TicketDue, VrsError};

use super::common::{answer, open, parse_flag};
use crate::output::{Doc, Human, Reply};
use crate::{BadInput, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum TicketsCmd {
    /// Residents whose ticket for dose N is due on DATE: their previous dose (own or
    /// carried over) lies at least the ticket-sending interval in force before DATE.
    Due(DueArgs),
}

#[derive(Args, Debug)]
pub(crate) struct DueArgs {
    /// The municipality, municipality:CODE.
    #[arg(long = "as")]
    principal: String,
    /// The dose the ticket is for (e.g. 3).
    #[arg(long)]
    dose: String,
    /// The sending day (YYYY-MM-DD).
    #[arg(long)]
    on: String,
}

pub(crate) fn run(cmd: TicketsCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        TicketsCmd::Due(a) => {
            let principal: Principal = parse_flag("as", &a.principal)?;
            let dose: DoseNumber = parse_flag("dose", &a.dose)?;
            let on = parse_dose_date(&a.on).map_err(|e| BadInput(format!("--on: {e}")))?;
            let mut vrs = open(ctx)?;
            match vrs.tickets_due(principal, dose, on) {
                Ok(a) => Ok(answer(a, |due| Reply::ok(Due { dose, due }))),
                Err(e @ VrsError::Tickets(_)) => Err(BadInput(format!("--dose/--on: {e}")).into()),
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// The residents due, for people: a count and a table.
struct Due {
    dose: DoseNumber,
    due: Vec<TicketDue>,
}

impl serde::Serialize for Due {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.due.serialize(s)
    }
}

impl Human for Due {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} due the ticket for dose {} (L13)",
            crate::output::count(self.due.len() as u64, "resident is", "residents are"),
            self.dose
        ));
        doc.table(
            &["address no.", "ticket no.", "last dose", "due on"],
            self.due
                .iter()
                .map(|d| {
                    vec![
                        d.address_number.to_string(),
                        d.ticket_number.to_string(),
                        d.last_dose_date.to_string(),
                        d.due_on.to_string(),
                    ]
                })
                .collect(),
        );
    }
}
