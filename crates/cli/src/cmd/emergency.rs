//! `vrs emergency stop|resume|status` (T1-10).

use clap::Subcommand;
use vrs::consent::Function;
use vrs::domain::Principal;
use vrs::Answer;

use super::common::{open, parse_flag, refused};
use crate::{Ctx, Exit};

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

pub(crate) fn run(cmd: EmergencyCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    let mut vrs = open(ctx)?;
    let answer = match cmd {
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
    match answer {
        Answer::Done(stopped) => {
            ctx.print(&serde_json::json!({ "stopped": stopped }))?;
            Ok(Exit::Ok)
        }
        Answer::Refused(r) => refused(ctx, &r),
    }
}
