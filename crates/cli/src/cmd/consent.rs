//! `vrs consent grant|revoke|show|list`: the consent function (N-2, T1-2-3, T2-2-2).

use chrono::NaiveDate;
use clap::Subcommand;
use vrs::consent::DocumentId;
use vrs::domain::{MunicipalityCode, Principal};
use vrs::{ConsentRow, ConsentView};

use super::common::{answer, open, parse_flag};
use crate::output::{cite, or_dash, when, yes_no, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

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

pub(crate) fn run(cmd: ConsentCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
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
            Ok(answer(
                vrs.grant_consent(principal, None, d, at, approved_by.as_deref())?,
                Reply::ok,
            ))
        }
        ConsentCmd::Revoke {
            principal,
            document: d,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            Ok(answer(
                vrs.revoke_consent(principal, None, document(&d)?)?,
                Reply::ok,
            ))
        }
        ConsentCmd::Show { code } => {
            let m =
                MunicipalityCode::parse_municipality(&code).map_err(|e| BadInput(e.to_string()))?;
            Ok(Reply::ok(vrs.consent_view(m)?))
        }
        ConsentCmd::List {
            principal,
            document: d,
            missing,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let d = d.as_deref().map(document).transpose()?;
            Ok(answer(vrs.consent_list(principal, d, missing)?, |rows| {
                let json: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(m, docs)| {
                        serde_json::json!({ "code": m, "name": m.info().name, "documents": docs })
                    })
                    .collect();
                Reply::ok(Shaped::new(
                    serde_json::json!({ "count": json.len(), "municipalities": json }),
                    ConsentList { rows, missing },
                ))
            }))
        }
    }
}

impl Human for ConsentView {
    fn human(&self, doc: &mut Doc) {
        let may = if self.may_use_vrs {
            doc.good("may use VRS")
        } else {
            doc.bad("may not use VRS")
        };
        doc.line(format!(
            "{} {}: {may} (T1-2-3: consent to a version of the terms of use)",
            self.municipality, self.name
        ));
        doc.gap();
        doc.table(
            &["document", "granted", "from", "approved by", "recorded"],
            self.documents
                .iter()
                .map(|d| {
                    vec![
                        d.document.to_string(),
                        yes_no(d.granted).to_owned(),
                        or_dash(d.at),
                        or_dash(d.approved_by.as_ref()),
                        or_dash(d.recorded_at.as_deref().map(when)),
                    ]
                })
                .collect(),
        );
        let implied: Vec<Vec<String>> = self
            .documents
            .iter()
            .filter(|d| d.granted)
            .flat_map(|d| {
                d.implies.iter().map(|i| {
                    vec![
                        d.document.to_string(),
                        cite(i.provision.as_str()),
                        i.meaning.to_owned(),
                    ]
                })
            })
            .collect();
        if !implied.is_empty() {
            doc.gap();
            doc.line("What the consents in force imply:");
            doc.table(&["document", "provision", "meaning"], implied);
        }
        if !self.history.is_empty() {
            doc.gap();
            doc.line("History (nothing is erased):");
            doc.table(
                &["change", "document", "from", "approved by", "recorded"],
                self.history
                    .iter()
                    .map(|c| {
                        vec![
                            c.change.clone(),
                            c.document.clone(),
                            or_dash(c.effective_from.as_ref()),
                            or_dash(c.approved_by.as_ref()),
                            when(&c.recorded_at),
                        ]
                    })
                    .collect(),
            );
        }
    }
}

/// `consent list`: municipalities with (or, `--missing`, without) consents.
struct ConsentList {
    rows: Vec<ConsentRow>,
    missing: bool,
}

impl Human for ConsentList {
    fn human(&self, doc: &mut Doc) {
        let n = self.rows.len() as u64;
        doc.line(if self.missing {
            format!(
                "{} not consented",
                crate::output::count(n, "municipality has", "municipalities have")
            )
        } else {
            format!(
                "{} consented",
                crate::output::count(n, "municipality has", "municipalities have")
            )
        });
        doc.table(
            &["code", "name", "documents"],
            self.rows
                .iter()
                .map(|(m, docs)| {
                    vec![
                        m.to_string(),
                        m.info().name.to_owned(),
                        if docs.is_empty() {
                            "-".to_owned()
                        } else {
                            docs.iter()
                                .map(|d| d.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    ]
                })
                .collect(),
        );
    }
}
