//! `vrs tickets due`: the residents whose next vaccination ticket is due (L13).

use clap::{Args, Subcommand};
use vrs::domain::{parse_dose_date, DoseNumber, Principal};
use vrs::{Answer, VrsError};

use super::common::{open, parse_flag, refused};
use crate::{BadInput, Ctx, Exit};

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

pub(crate) fn run(cmd: TicketsCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        TicketsCmd::Due(a) => {
            let principal: Principal = parse_flag("as", &a.principal)?;
            let dose: DoseNumber = parse_flag("dose", &a.dose)?;
            let on = parse_dose_date(&a.on).map_err(|e| BadInput(format!("--on: {e}")))?;
            let mut vrs = open(ctx)?;
            match vrs.tickets_due(principal, dose, on) {
                Ok(Answer::Done(due)) => {
                    ctx.print(&due)?;
                    Ok(Exit::Ok)
                }
                Ok(Answer::Refused(r)) => refused(ctx, &r),
                Err(e @ VrsError::Tickets(_)) => Err(BadInput(format!("--dose/--on: {e}")).into()),
                Err(e) => Err(e.into()),
            }
        }
    }
}
