//! `vrs audit verify|search`: prove the audit chain and read the log.

use clap::Subcommand;

use vrs::{AuditReport, StoredEvent};

use super::common::{open, parse_flag};
use crate::output::{count, or_dash, when, Doc, Human, Reply};
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

pub(crate) fn run(cmd: AuditCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    let vrs = open(ctx)?;
    match cmd {
        AuditCmd::Verify => {
            let report = vrs.audit_verify()?;
            let exit = if report.valid {
                Exit::Ok
            } else {
                Exit::Refused
            };
            Ok(Reply::exit(report, exit))
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
            Ok(Reply::ok(events))
        }
    }
}

impl Human for AuditReport {
    fn human(&self, doc: &mut Doc) {
        let events = count(self.events, "event", "events");
        if self.valid {
            doc.line(format!(
                "{}: the audit chain of {events} verifies",
                doc.good("valid")
            ));
        } else {
            doc.line(format!(
                "{}: the audit chain of {events} is broken at event {}",
                doc.bad("broken"),
                or_dash(self.first_bad_seq)
            ));
        }
    }
}

impl Human for Vec<StoredEvent> {
    fn human(&self, doc: &mut Doc) {
        if self.is_empty() {
            doc.line("no events");
            return;
        }
        doc.table(
            &[
                "seq",
                "when",
                "principal",
                "action",
                "area",
                "outcome",
                "grounds",
            ],
            self.iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        when(&e.at),
                        e.principal.clone(),
                        e.action.clone(),
                        or_dash(e.municipality.as_ref()),
                        e.outcome.clone(),
                        e.grounds.join(" "),
                    ]
                })
                .collect(),
        );
    }
}
