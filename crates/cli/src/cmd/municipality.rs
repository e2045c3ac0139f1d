//! `vrs municipality show CODE`: the registry row of a local government code;
//! `vrs municipality export` and `erase` (M-13): the end of a municipality's contract.

use clap::Subcommand;
use std::path::PathBuf;

use vrs::{ErasureReport, MunicipalityExport, Principal};
use vrs_domain::MunicipalityCode;

use super::common::{answer, open, parse_flag, vrs_error};
use crate::output::{count, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum MunicipalityCmd {
    /// Show a local government's code, name, kana, kind and prefecture.
    Show {
        /// Six-digit JIS X 0402 code, e.g. 131016.
        code: String,
    },
    /// M-13, end of contract: hand the municipality its data back into DIR: its
    /// residents in the import format (residents.csv, which `vrs residents
    /// import` reads back, My Numbers included), and one JSON-lines file per
    /// table of its doses with their history, consents and issuance history.
    /// Only the municipality itself. Files are 0600; existing ones need --force.
    Export {
        /// Who acts: `municipality:CODE`.
        #[arg(long = "as")]
        principal: String,
        /// The directory to write (created 0700 if missing).
        #[arg(long)]
        to: PathBuf,
        /// Replace files of an earlier export.
        #[arg(long)]
        force: bool,
    },
    /// M-13, end of contract: destroy the municipality's data key and delete its
    /// personal data (residents, doses and their history, issuance history); its
    /// audit events stay. Only the operator; --confirm must repeat the code.
    /// Earlier backups can no longer be read for it with this keyring: destroy
    /// keyring backups made before the erasure (see docs/operations.md).
    Erase {
        /// Who acts: `operator`.
        #[arg(long = "as")]
        principal: String,
        /// Six-digit code of the municipality to erase.
        code: String,
        /// The same code again, to confirm.
        #[arg(long)]
        confirm: String,
    },
}

pub(crate) fn run(cmd: MunicipalityCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        MunicipalityCmd::Export {
            principal,
            to,
            force,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let mut vrs = open(ctx)?;
            let done = vrs
                .export_municipality(principal, &to, force)
                .map_err(|e| vrs_error("to", e))?;
            Ok(answer(done, Reply::ok))
        }
        MunicipalityCmd::Erase {
            principal,
            code,
            confirm,
        } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let m = MunicipalityCode::parse_municipality(&code)
                .map_err(|e| BadInput(format!("CODE: {e}")))?;
            if confirm != code {
                return Err(BadInput(format!(
                    "--confirm {confirm:?} does not repeat the code {code}: nothing was erased"
                ))
                .into());
            }
            let mut vrs = open(ctx)?;
            Ok(answer(vrs.erase_municipality(principal, m)?, Reply::ok))
        }
        MunicipalityCmd::Show { code } => {
            let code: MunicipalityCode = code.parse().map_err(|e| BadInput(format!("{e}")))?;
            let info = code.info();
            let json = serde_json::json!({
                "code": info.code,
                "name": info.name,
                "name_kana": info.name_kana,
                "kind": info.kind,
                "prefecture_code": info.prefecture_code,
                "prefecture": info.prefecture_code.info().name,
                "parent": info.parent,
            });
            Ok(Reply::ok(Shaped::new(json, Info(code))))
        }
    }
}

impl Human for ErasureReport {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "erased {}: {}, {}, {} deleted; {}",
            self.municipality,
            count(self.residents, "resident", "residents"),
            count(self.doses, "dose", "doses"),
            count(self.issuances, "certificate", "certificates"),
            if self.key_destroyed {
                "its data key destroyed"
            } else {
                "it had no data key"
            }
        ));
        doc.line(format!(
            "{} of its audit trail kept; destroy keyring backups made before now",
            count(self.audit_events_kept, "event", "events")
        ));
    }
}

impl Human for MunicipalityExport {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "handed {}'s data back into {}",
            self.municipality,
            self.dir.display()
        ));
        doc.table(
            &["file", "records"],
            self.files
                .iter()
                .map(|f| vec![f.name.clone(), f.records.to_string()])
                .collect(),
        );
    }
}

/// A registry row, for people.
struct Info(MunicipalityCode);

impl Human for Info {
    fn human(&self, doc: &mut Doc) {
        let info = self.0.info();
        let prefecture = info.prefecture_code;
        let mut fields = vec![
            ("code", info.code.to_string()),
            ("name", info.name.to_owned()),
            ("kana", info.name_kana.to_owned()),
            ("kind", info.kind.as_str().to_owned()),
            (
                "prefecture",
                format!("{prefecture} {}", prefecture.info().name),
            ),
        ];
        if !info.parent.is_empty() {
            fields.push(("part of", info.parent.to_owned()));
        }
        doc.fields(&fields);
    }
}
