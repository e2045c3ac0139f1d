//! `vrs consent grant|revoke|show|list`: the consent function (N-2, T1-2-3, T2-2-2).

use chrono::NaiveDate;
use clap::Subcommand;
use vrs::consent::DocumentId;
use vrs::domain::{MunicipalityCode, Principal};
use vrs::Answer;

use super::common::{open, parse_flag, refused};
use crate::{BadInput, Ctx, Exit};

#[derive(Subcommand, Debug)]
pub(crate) enum ConsentCmd {
    /// A municipality gives its own consent to a document.
    Grant {
        /// The consenting municipality, municipality:CODE.
        #[arg(long = "as")]
        principal: String,
        /// terms-2021-12-03, terms-2021-03 or addendum-2021-12-03.
        #[arg(long)]
        document: String,
        /// Who approved it internally (決裁, T1-2-3).
        #[arg(long)]
        approved_by: Option<String>,
        /// The day from which the consent holds (YYYY-MM-DD; default today).
        #[arg(long)]
        at: Option<String>,
    },
    /// A municipality withdraws its own consent, at once.
    Revoke {
        /// The municipality, municipality:CODE.
        #[arg(long = "as")]
        principal: String,
        /// The document.
        #[arg(long)]
        document: String,
    },
    /// Show a municipality's consents and what they imply.
    Show {
        /// Six-digit municipality code.
        code: String,
    },
    /// Which municipalities have (or, with --missing, have not) consented.
    List {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// Only this document.
        #[arg(long)]
        document: Option<String>,
        /// List the municipalities that have not consented instead.
        #[arg(long)]
        missing: bool,
    },
}

fn document(value: &str) -> anyhow::Result<DocumentId> {
    parse_flag("document", value)
}

pub(crate) fn run(cmd: ConsentCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    let mut vrs = open(ctx)?;
    match cmd {
        ConsentCmd::Grant {
            principal,
            document: d,
            approved_by,
            at,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let d = document(&d)?;
            let at = at
                .map(|a| {
                    NaiveDate::parse_from_str(&a, "%Y-%m-%d")
                        .map_err(|e| BadInput(format!("--at: {a:?}: {e}")))
                })
                .transpose()?;
            match vrs.grant_consent(principal, None, d, at, approved_by.as_deref())? {
                Answer::Done(view) => ctx.print(&view).map(|()| Exit::Ok),
                Answer::Refused(r) => refused(ctx, &r),
            }
        }
        ConsentCmd::Revoke {
            principal,
            document: d,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            match vrs.revoke_consent(principal, None, document(&d)?)? {
                Answer::Done(view) => ctx.print(&view).map(|()| Exit::Ok),
                Answer::Refused(r) => refused(ctx, &r),
            }
        }
        ConsentCmd::Show { code } => {
            let m =
                MunicipalityCode::parse_municipality(&code).map_err(|e| BadInput(e.to_string()))?;
            ctx.print(&vrs.consent_view(m)?)?;
            Ok(Exit::Ok)
        }
        ConsentCmd::List {
            principal,
            document: d,
            missing,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let d = d.as_deref().map(document).transpose()?;
            let rows = match vrs.consent_list(principal, d, missing)? {
                Answer::Done(rows) => rows,
                Answer::Refused(r) => return refused(ctx, &r),
            };
            let rows: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|(m, docs)| {
                    serde_json::json!({ "code": m, "name": m.info().name, "documents": docs })
                })
                .collect();
            ctx.print(&serde_json::json!({ "count": rows.len(), "municipalities": rows }))?;
            Ok(Exit::Ok)
        }
    }
}
