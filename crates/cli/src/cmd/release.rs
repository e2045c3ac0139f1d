//! `vrs release` (the national daily release) and `vrs population import` (its
//! denominators): T1-4-4, T1-4-6.

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::{parse_dose_date, Principal};
use vrs::Answer;

use super::common::{open, parse_flag, refused, vrs_error};
use crate::{BadInput, Ctx, Exit};

#[derive(Args, Debug)]
pub(crate) struct ReleaseArgs {
    /// Who publishes: national (or a prefecture / municipality for its own area).
    #[arg(long = "as")]
    principal: String,
    /// The release date: doses up to and including it.
    #[arg(long)]
    date: String,
    /// The directory to write the tables into (created 0700 if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace files of an earlier release in the directory.
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PopulationCmd {
    /// Set the population by municipality and age band (CSV: 自治体コード/municipality_code,
    /// 年齢階級/age_band, 人口/population); all or nothing.
    Import {
        /// Who: national.
        #[arg(long = "as")]
        principal: String,
        /// The CSV file.
        file: PathBuf,
    },
}

pub(crate) fn run(a: ReleaseArgs, ctx: &Ctx) -> anyhow::Result<Exit> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let date = parse_dose_date(&a.date).map_err(|e| BadInput(format!("--date: {e}")))?;
    let mut vrs = open(ctx)?;
    match vrs.release(principal, date, &a.out, a.force) {
        Ok(Answer::Done(report)) => {
            ctx.print(&report)?;
            Ok(Exit::Ok)
        }
        Ok(Answer::Refused(r)) => refused(ctx, &r),
        Err(e) => Err(vrs_error("out", e)),
    }
}

pub(crate) fn run_population(cmd: PopulationCmd, ctx: &Ctx) -> anyhow::Result<Exit> {
    match cmd {
        PopulationCmd::Import { principal, file } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let input =
                File::open(&file).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let mut vrs = open(ctx)?;
            match vrs.import_population(principal, input)? {
                Answer::Done(report) => {
                    ctx.print(&report)?;
                    Ok(if report.errors.is_empty() {
                        Exit::Ok
                    } else {
                        Exit::BadInput
                    })
                }
                Answer::Refused(r) => refused(ctx, &r),
            }
        }
    }
}
