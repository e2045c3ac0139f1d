//! `vrs audit verify|search`: prove the audit chain and read the log.

use clap::Subcommand;

use vrs::{AlertKind, AlertOptions, Alerts, AuditReport, StoredEvent};

use super::common::{answer, open, parse_flag};
use crate::output::{count, or_dash, when, Doc, Human, Reply};
use crate::{BadInput, Ctx, Exit};

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
    /// Intrusion signals (S-3-3): bursts of failed sign-ins per account or client
    /// address, repeated refused attempts on another municipality's area.
    Alerts {
        /// Acting principal: operator.
        #[arg(long = "as", default_value = "operator")]
        principal: String,
        /// Failures per account or address that make an alert.
        #[arg(long, default_value_t = vrs::consent::intrusion::DEFAULT_BURST)]
        failures: usize,
        /// ... within this many minutes (also the window of cross-partition attempts).
        #[arg(long, default_value_t = vrs::consent::intrusion::DEFAULT_WINDOW_MINUTES)]
        window: i64,
        /// Refused cross-partition attempts of one principal that make an alert.
        #[arg(long, default_value_t = vrs::consent::intrusion::DEFAULT_CROSS_PARTITION)]
        cross_partition: usize,
        /// Only events since this time (RFC 3339, e.g. 2021-12-20T09:00:00+09:00;
        /// default: the last 24 hours).
        #[arg(long)]
        since: Option<String>,
    },
}

pub(crate) fn run(cmd: AuditCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    let mut vrs = open(ctx)?;
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
        AuditCmd::Alerts {
            principal,
            failures,
            window,
            cross_partition,
            since,
        } => {
            let principal: vrs::Principal = parse_flag("as", &principal)?;
            if !(1..=24 * 60).contains(&window) {
                return Err(BadInput("--window: expected 1 to 1440 minutes".into()).into());
            }
            let since = since
                .as_deref()
                .map(|s| {
                    chrono::DateTime::parse_from_rfc3339(s)
                        .map_err(|e| BadInput(format!("--since: expected an RFC 3339 time: {e}")))
                })
                .transpose()?;
            let options = AlertOptions {
                failures,
                window_minutes: window,
                cross_partition,
                since,
            };
            Ok(answer(vrs.alerts(principal, options)?, Reply::ok))
        }
    }
}

impl Human for Alerts {
    fn human(&self, doc: &mut Doc) {
        if self.alerts.is_empty() {
            doc.line(format!(
                "{}: no intrusion signals since {}",
                doc.good("quiet"),
                when(&self.since.to_rfc3339())
            ));
            return;
        }
        doc.line(format!(
            "{} (S-3-3), since {}, window {} minutes:",
            doc.bad("intrusion signals"),
            when(&self.since.to_rfc3339()),
            self.window_minutes
        ));
        doc.table(
            &[
                "kind",
                "account / address / principal",
                "count",
                "first",
                "last",
            ],
            self.alerts
                .iter()
                .map(|a| {
                    let kind = match a.kind {
                        AlertKind::FailuresPerAccount => "failures per account",
                        AlertKind::FailuresPerAddress => "failures per address",
                        AlertKind::CrossPartition => "cross-partition attempts",
                    };
                    vec![
                        kind.to_owned(),
                        a.key.clone(),
                        a.count.to_string(),
                        when(&a.first.to_rfc3339()),
                        when(&a.last.to_rfc3339()),
                    ]
                })
                .collect(),
        );
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
