//! `vrs audit verify|search`: prove the audit chain and read the log.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;

use vrs::MAX_HEADS_BYTES;
use vrs::{AlertKind, AlertOptions, Alerts, AuditReport, HeadsReport, SignedHeads, StoredEvent};

use super::common::{answer, open, parse_flag};
use crate::output::{count, or_dash, when, Doc, Human, Reply};
use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCmd {
    /// Verify the hash chains; names the first bad sequence number. Exit 1 when broken.
    /// With --heads, also check the log against heads signed earlier (`vrs audit
    /// heads --json`): a rewritten event, a cut-off tail or a database rolled back
    /// to before them is found with nothing but those heads.
    Verify {
        /// A heads file written by `vrs audit heads --json`.
        #[arg(long)]
        heads: Option<PathBuf>,
    },
    /// Sign every chain's head (the operator's and each municipality's) with the
    /// audit key and print them with the public key to publish; keep the JSON
    /// (`--json`) where the database's administrators cannot change it.
    Heads,
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
        AuditCmd::Verify { heads: None } => {
            let report = vrs.audit_verify()?;
            let exit = if report.valid {
                Exit::Ok
            } else {
                Exit::Refused
            };
            Ok(Reply::exit(report, exit))
        }
        AuditCmd::Verify { heads: Some(path) } => {
            let heads = read_heads(&path)?;
            let report = vrs.audit_verify()?;
            let heads = vrs.audit_verify_heads(&heads)?;
            let both = WithHeads {
                valid: report.valid && heads.valid,
                events: report.events,
                first_bad_seq: report.first_bad_seq,
                chains: report.chains,
                report,
                heads,
            };
            let exit = if both.valid { Exit::Ok } else { Exit::Refused };
            Ok(Reply::exit(both, exit))
        }
        AuditCmd::Heads => Ok(Reply::ok(vrs.audit_heads()?)),
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

/// Reads a heads file, at most [`MAX_HEADS_BYTES`]; anything else is bad input.
fn read_heads(path: &Path) -> Result<SignedHeads, crate::BadInput> {
    let bad = |why: String| crate::BadInput(format!("--heads {}: {why}", path.display()));
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(|e| bad(e.to_string()))?
        .take(MAX_HEADS_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| bad(e.to_string()))?;
    if text.len() as u64 > MAX_HEADS_BYTES {
        return Err(bad(format!("larger than {MAX_HEADS_BYTES} bytes")));
    }
    serde_json::from_str(&text).map_err(|e| bad(format!("not a heads file: {e}")))
}

/// `audit verify --heads`: the keyed check's fields, and the heads' report.
#[derive(Serialize)]
struct WithHeads {
    /// Both checks pass.
    valid: bool,
    events: u64,
    first_bad_seq: Option<i64>,
    chains: u64,
    heads: HeadsReport,
    #[serde(skip)]
    report: AuditReport,
}

impl Human for WithHeads {
    fn human(&self, doc: &mut Doc) {
        self.report.human(doc);
        let heads = count(self.heads.heads, "signed head", "signed heads");
        if self.heads.valid {
            doc.line(format!(
                "{}: the log reaches all {heads} of {}",
                doc.good("valid"),
                when(&self.heads.signed_at)
            ));
        } else {
            doc.line(format!(
                "{}: the log departs from the {heads} of {}",
                doc.bad("broken"),
                when(&self.heads.signed_at)
            ));
            for p in &self.heads.problems {
                doc.line(format!(
                    "  {} (event {}): {}",
                    if p.chain.is_empty() {
                        "heads"
                    } else {
                        &p.chain
                    },
                    or_dash(p.seq),
                    p.reason
                ));
            }
        }
    }
}

impl Human for SignedHeads {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} signed at {}; audit key P-256 x={} y={}",
            count(self.heads.len() as u64, "chain head", "chain heads"),
            when(&self.signed_at),
            self.public_key.x,
            self.public_key.y
        ));
        doc.table(
            &["chain", "events", "last seq", "hash"],
            self.heads
                .iter()
                .map(|h| {
                    vec![
                        h.chain.clone(),
                        h.events.to_string(),
                        h.seq.to_string(),
                        h.hash.clone(),
                    ]
                })
                .collect(),
        );
        doc.line("keep the --json form to check the log later: vrs audit verify --heads FILE");
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
