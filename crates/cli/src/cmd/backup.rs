//! `vrs backup --to FILE` and `vrs backup verify FILE` (T1-5-3).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::open;
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

pub(crate) fn run(args: BackupArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    match (args.to, args.cmd) {
        (_, Some(BackupCmd::Verify { file })) => {
            let vrs = open(ctx)?;
            if !file.exists() {
                return Err(BadInput(format!("{}: no such file", file.display())).into());
            }
            let report = vrs.verify_backup(&file)?;
            ctx.print(&report)?;
            Ok(if report.valid {
                Exit::Ok
            } else {
                Exit::Refused
            })
        }
        (Some(to), None) => {
            if to.exists() {
                return Err(BadInput(format!("{}: already exists", to.display())).into());
            }
            let mut vrs = open(ctx)?;
            let report = vrs.backup(&to)?;
            ctx.print(&report)?;
            Ok(Exit::Ok)
        }
        (None, None) => Err(BadInput("give --to FILE or `verify FILE`".into()).into()),
    }
}
