//! `vrs certificates list`: a municipality's issuance history (P11-2-1, P11-2-3).

use clap::Subcommand;
use vrs::domain::Principal;
use vrs::IssuanceRecord;

use super::common::{answer, open, parse_flag};
use crate::output::{or_dash, when, Doc, Human, Reply, Shaped};
use crate::Ctx;

#[derive(Subcommand, Debug)]
pub(crate) enum CertificatesCmd {
    /// The issuance history: name, birth date, (overseas) nationality and passport number, and the certificate's status. No My Number.
    List {
        /// The issuing municipality, municipality:CODE.
        #[arg(long = "as")]
        principal: String,
    },
}

pub(crate) fn run(cmd: CertificatesCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    let CertificatesCmd::List { principal } = cmd;
    let p: Principal = parse_flag("as", &principal)?;
    let mut vrs = open(ctx)?;
    Ok(answer(vrs.issuance_history(p)?, |rows| {
        Reply::ok(Shaped::new(
            serde_json::json!({ "count": rows.len(), "certificates": rows }),
            History(rows),
        ))
    }))
}

/// The issuance history, for people (no My Number is kept, P11-2-3).
struct History(Vec<IssuanceRecord>);

impl Human for History {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "{} issued",
            crate::output::count(self.0.len() as u64, "certificate", "certificates")
        ));
        doc.table(
            &[
                "certificate",
                "kind",
                "name",
                "birth date",
                "passport",
                "issued",
                "status",
            ],
            self.0
                .iter()
                .map(|r| {
                    vec![
                        r.certificate_id.clone(),
                        r.kind.clone(),
                        r.name.clone(),
                        r.birth_date.clone(),
                        or_dash(r.passport_number.as_ref()),
                        when(&r.issued_at),
                        match (&r.revoked_at, &r.revoked_reason) {
                            (None, _) => "in force".to_owned(),
                            (Some(_), Some(why)) => format!("revoked: {why}"),
                            (Some(_), None) => "revoked".to_owned(),
                        },
                    ]
                })
                .collect(),
        );
    }
}
