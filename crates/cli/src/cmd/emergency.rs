//! `vrs emergency stop|resume|status` (T1-10).

use clap::Subcommand;
use vrs::consent::Function;
use vrs::domain::Principal;
use vrs::{Answer, StopRecord};

use super::common::{answer, open, parse_flag};
use crate::output::{when, Doc, Human, Reply, Shaped};
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub(crate) enum EmergencyCmd {
    /// Stop a function (operator only).
    Stop {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// all, registration, inquiry, e-issuance, import, export or statistics.
        #[arg(long)]
        function: String,
        /// Why (recorded in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Resume a stopped function (operator only).
    Resume {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// The function to resume.
        #[arg(long)]
        function: String,
    },
    /// Show the stopped functions.
    Status,
}

pub(crate) fn run(cmd: EmergencyCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    let mut vrs = open(ctx)?;
    let outcome = match cmd {
        EmergencyCmd::Stop {
            principal,
            function,
            reason,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            let f: Function = parse_flag("function", &function)?;
            vrs.emergency_stop(p, f, &reason)?
        }
        EmergencyCmd::Resume {
            principal,
            function,
        } => {
            let p: Principal = parse_flag("as", &principal)?;
            let f: Function = parse_flag("function", &function)?;
            vrs.emergency_resume(p, f)?
        }
        EmergencyCmd::Status => Answer::Done(vrs.emergency_status()?),
    };
    Ok(self::answer(outcome, |stopped| {
        Reply::ok(Shaped::new(
            serde_json::json!({ "stopped": stopped }),
            Stopped(stopped),
        ))
    }))
}

/// The functions under an emergency stop.
struct Stopped(Vec<StopRecord>);

impl Human for Stopped {
    fn human(&self, doc: &mut Doc) {
        if self.0.is_empty() {
            doc.line("no function is stopped");
            return;
        }
        doc.line(format!("{} (T1-10):", doc.bad("stopped")));
        doc.table(
            &["function", "since", "reason"],
            self.0
                .iter()
                .map(|s| {
                    vec![
                        s.function.to_string(),
                        when(&s.stopped_at),
                        s.reason.clone(),
                    ]
                })
                .collect(),
        );
    }
}
