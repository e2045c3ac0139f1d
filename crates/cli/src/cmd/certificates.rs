//! `vrs certificates list`: a municipality's issuance history (P11-2-1, P11-2-3).

use clap::Subcommand;
use vrs::domain::Principal;
use vrs::Answer;

use super::common::{open, parse_flag, refused};
use crate::{Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum CertificatesCmd {
    /// The issuance history: name, birth date, (overseas) nationality and passport number, and the certificate's status. No My Number.
    List {
        /// The issuing municipality, municipality:CODE.
        #[arg(long = "as")]
        principal: String,
    },
}

pub(crate) fn run(cmd: CertificatesCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    let CertificatesCmd::List { principal } = cmd;
    let p: Principal = parse_flag("as", &principal)?;
    let mut vrs = open(ctx)?;
    match vrs.issuance_history(p)? {
        Answer::Done(rows) => {
            ctx.print(&serde_json::json!({ "count": rows.len(), "certificates": rows }))?;
            Ok(Exit::Ok)
        }
        Answer::Refused(r) => refused(ctx, &r),
    }
}
