//! `vrs audit verify|search`: prove the audit chain and read the log.

use clap::Subcommand;

use super::common::{open, parse_flag};
use crate::{Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCmd {
    /// Verify the hash chain; names the first bad sequence number. Exit 1 when broken.
    Verify,
    /// Show the newest events, filtered.
    Search {
        /// Only events touching this municipality's area.
        #[arg(long)]
        municipality: Option<String>,
        /// Only this action, e.g. import_residents.
        #[arg(long)]
        action: Option<String>,
        /// Only this principal, e.g. municipality:131016.
        #[arg(long)]
        principal: Option<String>,
        /// At most this many events.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub(crate) fn run(cmd: AuditCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    let vrs = open(ctx)?;
    match cmd {
        AuditCmd::Verify => {
            let report = vrs.audit_verify()?;
            ctx.print(&report)?;
            Ok(if report.valid {
                Exit::Ok
            } else {
                Exit::Refused
            })
        }
        AuditCmd::Search {
            municipality,
            action,
            principal,
            limit,
        } => {
            let municipality = municipality
                .as_deref()
                .map(|m| parse_flag("municipality", m))
                .transpose()?;
            let events =
                vrs.audit_search(municipality, action.as_deref(), principal.as_deref(), limit)?;
            ctx.print(&events)?;
            Ok(Exit::Ok)
        }
    }
}
