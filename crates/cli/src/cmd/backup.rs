//! `vrs backup --to FILE`, `vrs backup verify FILE` and `vrs restore --from
//! BACKUP --keyring FILE` (T1-5-3).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::{SystemClock, Vrs};

use vrs::{BackupReport, BackupVerification};

use super::common::{open, vrs_error};
use crate::output::{count, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct BackupArgs {
    /// Write a consistent copy of the database to this new file (0600, written
    /// to a temporary file and moved into place when verified).
    #[arg(long)]
    to: Option<PathBuf>,
    /// Replace an existing --to file.
    #[arg(long)]
    force: bool,
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

/// `vrs restore`: a backup into a new or empty data directory.
#[derive(Args, Debug)]
pub(crate) struct RestoreArgs {
    /// The backup file (made by `vrs backup --to`).
    #[arg(long)]
    from: PathBuf,
    /// The keyring.json made with that database (mode 0600).
    #[arg(long)]
    keyring: PathBuf,
}

pub(crate) fn run(args: BackupArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    match (args.to, args.cmd) {
        (_, Some(BackupCmd::Verify { file })) => {
            let vrs = open(ctx)?;
            if !file.is_file() {
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
            let mut vrs = open(ctx)?;
            let report = vrs
                .backup(&to, args.force)
                .map_err(|e| vrs_error("to", e))?;
            Ok(Reply::ok(report))
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

pub(crate) fn restore(args: RestoreArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    use vrs::StoreError;
    for (flag, path) in [("from", &args.from), ("keyring", &args.keyring)] {
        if !path.is_file() {
            return Err(BadInput(format!("--{flag} {}: no such file", path.display())).into());
        }
    }
    match Vrs::restore(
        &ctx.data_dir,
        &args.from,
        &args.keyring,
        Box::new(SystemClock),
    ) {
        Ok(vrs) => {
            let audit = vrs.audit_verify()?;
            let json = serde_json::json!({
                "restored": true,
                "data_dir": ctx.data_dir.display().to_string(),
                "from": args.from.display().to_string(),
                "audit": audit,
            });
            Ok(Reply::ok(Shaped::new(
                json,
                Restored {
                    data_dir: ctx.data_dir.clone(),
                    from: args.from,
                    audit,
                },
            )))
        }
        Err(vrs::VrsError::Store(
            e @ (StoreError::NotEmpty { .. }
            | StoreError::BadBackup { .. }
            | StoreError::KeyringMismatch { .. }
            | StoreError::Keyring { .. }),
        )) => Err(BadInput(e.to_string()).into()),
        Err(e) => Err(e.into()),
    }
}

/// What `vrs restore` did, for people.
struct Restored {
    data_dir: PathBuf,
    from: PathBuf,
    audit: vrs::AuditReport,
}

impl Human for Restored {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "restored {} from {}",
            self.data_dir.display(),
            self.from.display()
        ));
        self.audit.human(doc);
    }
}
