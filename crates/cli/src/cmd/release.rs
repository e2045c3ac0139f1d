//! `vrs release` (the national daily release) and `vrs population import` (its
//! denominators): T1-4-4, T1-4-6.

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vrs::domain::{parse_dose_date, Principal};
use vrs::{PopulationImport, ReleaseReport};

use super::common::{answer, open, parse_flag, vrs_error};
use crate::output::{Doc, Human, Reply};
use crate::{BadInput, Ctx};

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

pub(crate) fn run(a: ReleaseArgs, ctx: &Ctx) -> anyhow::Result<Reply> {
    let principal: Principal = parse_flag("as", &a.principal)?;
    let date = parse_dose_date(&a.date).map_err(|e| BadInput(format!("--date: {e}")))?;
    let mut vrs = open(ctx)?;
    match vrs.release(principal, date, &a.out, a.force) {
        Ok(a) => Ok(answer(a, |report| Reply::ok(Release(report)))),
        Err(e) => Err(vrs_error("out", e)),
    }
}

pub(crate) fn run_population(cmd: PopulationCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        PopulationCmd::Import { principal, file } => {
            let principal: Principal = parse_flag("as", &principal)?;
            let input =
                File::open(&file).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let mut vrs = open(ctx)?;
            Ok(answer(vrs.import_population(principal, input)?, |r| {
                if r.errors.is_empty() {
                    Reply::ok(Population(r))
                } else {
                    Reply::bad_input(Population(r))
                }
            }))
        }
    }
}

/// A release's summary: where each table went.
struct Release(ReleaseReport);

impl serde::Serialize for Release {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Human for Release {
    fn human(&self, doc: &mut Doc) {
        doc.line(match self.0.min_cell_size {
            Some(n) => format!(
                "release of {}: counts below {n} suppressed across all tables (T1-4-6)",
                self.0.date
            ),
            None => format!("release of {}: exact counts", self.0.date),
        });
        doc.table(
            &["file", "rows"],
            self.0
                .files
                .iter()
                .map(|f| vec![f.path.display().to_string(), f.rows.to_string()])
                .collect(),
        );
    }
}

/// A population import's outcome.
struct Population(PopulationImport);

impl serde::Serialize for Population {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Human for Population {
    fn human(&self, doc: &mut Doc) {
        if self.0.errors.is_empty() {
            doc.line(format!(
                "population set: {}",
                crate::output::count(self.0.rows, "row", "rows")
            ));
        } else {
            doc.line(format!(
                "{}: {}; nothing was changed",
                doc.bad("error"),
                crate::output::count(self.0.errors.len() as u64, "bad row", "bad rows")
            ));
            super::residents::row_errors(doc, &self.0.errors);
        }
    }
}
