//! `vrs backup --to FILE` and `vrs backup verify FILE` (T1-5-3).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use vrs::{BackupReport, BackupVerification};

use super::common::open;
use crate::output::{count, Doc, Human, Reply};
use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct BackupArgs {
    /// Write a consistent copy of the database to this new file.
    #[arg(long)]
    to: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Option<BackupCmd>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum BackupCmd {
    /// Check a backup: opens, integrity_check, schema, audit chain. Exit 1 when it fails.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
}

pub(crate) fn run(args: BackupArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    match (args.to, args.cmd) {
        (_, Some(BackupCmd::Verify { file })) => {
            let vrs = open(ctx)?;
            if !file.exists() {
                return Err(BadInput(format!("{}: no such file", file.display())).into());
            }
            let report = vrs.verify_backup(&file)?;
            let exit = if report.valid {
                Exit::Ok
            } else {
                Exit::Refused
            };
            Ok(Reply::exit(report, exit))
        }
        (Some(to), None) => {
            if to.exists() {
                return Err(BadInput(format!("{}: already exists", to.display())).into());
            }
            let mut vrs = open(ctx)?;
            Ok(Reply::ok(vrs.backup(&to)?))
        }
        (None, None) => Err(BadInput("give --to FILE or `verify FILE`".into()).into()),
    }
}

impl Human for BackupReport {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "wrote {} ({} bytes, {})",
            self.path,
            self.bytes,
            count(self.audit_events, "audit event", "audit events")
        ));
    }
}

impl Human for BackupVerification {
    fn human(&self, doc: &mut Doc) {
        doc.line(if self.valid {
            format!("{}: the backup can be restored", doc.good("valid"))
        } else {
            format!("{}: the backup cannot be trusted", doc.bad("not valid"))
        });
        doc.fields(&[
            ("integrity", self.integrity.clone()),
            ("schema version", self.schema_version.to_string()),
            (
                "audit chain",
                format!(
                    "{}, {}",
                    if self.audit.valid {
                        "verifies"
                    } else {
                        "broken"
                    },
                    count(self.audit.events, "event", "events")
                ),
            ),
        ]);
    }
}
