//! Use cases of the national daily release (open data): the population
//! denominators and the release itself, every table suppressed together (T1-4-6).

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{
    contributes_to_statistics, min_cell_size, suppress_release, Action, KeyRow, ReleaseTables,
};
use vrs_domain::csv_input::RowError;
use vrs_domain::csv_output::push_record;
use vrs_domain::population_file::read_population;
use vrs_domain::Principal;
use vrs_store::{OutputFile, StatScope};

use crate::{Answer, Vrs, VrsError};

/// What a population import did, or its bad rows (then nothing was written).
#[derive(Debug, Clone, Serialize)]
pub struct PopulationImport {
    /// Rows (municipality × age band) stored.
    pub rows: u64,
    /// Every bad row; when non-empty, nothing was written.
    pub errors: Vec<RowError>,
}

/// One file a release wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseFile {
    /// Where.
    pub path: PathBuf,
    /// Its table's rows.
    pub rows: usize,
}

/// What a release wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseReport {
    /// The release date (counts up to and including it).
    pub date: NaiveDate,
    /// The minimum cell size applied (`None`: exact, the holder's own data).
    pub min_cell_size: Option<u64>,
    /// Each table as CSV and JSON.
    pub files: Vec<ReleaseFile>,
}

fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The tables of a release as (file stem, CSV text, JSON text, rows).
pub(crate) fn render(t: &ReleaseTables) -> Result<Vec<(String, String, String, usize)>, VrsError> {
    let mut out = Vec::new();
    let mut csv = String::new();
    push_record(
        &mut csv,
        ["date", "dose_number", "count", "cumulative"],
        "\n",
    );
    for r in &t.by_day {
        let cells = [
            r.date.to_string(),
            r.dose_number.to_string(),
            opt(r.count),
            opt(r.cumulative),
        ];
        push_record(&mut csv, cells.iter().map(String::as_str), "\n");
    }
    out.push((
        "by_day".to_owned(),
        csv,
        to_json(&t.by_day)?,
        t.by_day.len(),
    ));
    for (stem, column, rows) in [
        ("by_dose", "scope", &t.by_dose),
        ("by_prefecture", "prefecture", &t.by_prefecture),
        ("by_age_band", "age_band", &t.by_age_band),
    ] {
        let mut csv = String::new();
        push_record(
            &mut csv,
            [column, "dose_number", "count", "coverage_percent"],
            "\n",
        );
        for r in rows.iter() {
            let KeyRow {
                key,
                dose_number,
                count,
                coverage_percent,
            } = r;
            let cells = [
                key.clone(),
                dose_number.to_string(),
                opt(*count),
                opt(*coverage_percent),
            ];
            push_record(&mut csv, cells.iter().map(String::as_str), "\n");
        }
        out.push((stem.to_owned(), csv, to_json(rows)?, rows.len()));
    }
    Ok(out)
}

fn to_json<T: Serialize + ?Sized>(rows: &T) -> Result<String, VrsError> {
    serde_json::to_string_pretty(rows).map_err(|e| {
        VrsError::Store(vrs_store::StoreError::Corrupt {
            what: format!("release json: {e}"),
        })
    })
}

impl Vrs {
    /// T1-4-4: the State sets the population by municipality and age band, the
    /// denominators of the release's coverage. All or nothing.
    pub fn import_population<R: Read + Send>(
        &mut self,
        principal: Principal,
        input: R,
    ) -> Result<Answer<PopulationImport>, VrsError> {
        let allowed = match self.decide(principal, Action::ImportPopulation, None, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        match read_population(input) {
            Ok(population) => Ok(Answer::Done(PopulationImport {
                rows: self.store.import_population(&allowed, &population)?,
                errors: Vec::new(),
            })),
            Err(errors) => Ok(Answer::Done(PopulationImport { rows: 0, errors })),
        }
    }

    /// T1-4-4, T1-4-6: the daily release up to `date`, written to `dir` as CSV and
    /// JSON: doses per day (and cumulative), by dose number, by prefecture and by
    /// age band, with coverage where a population is configured. For the State and
    /// prefectures, small cells are suppressed across all tables together.
    pub fn release(
        &mut self,
        principal: Principal,
        date: NaiveDate,
        dir: &Path,
        replace: bool,
    ) -> Result<Answer<ReleaseReport>, VrsError> {
        let (counts, min_cell) = match self.counts_for_release(principal, date)? {
            Answer::Done(c) => c,
            Answer::Refused(r) => return Ok(Answer::Refused(r)),
        };
        let tables = suppress_release(&counts, min_cell);
        vrs_store::create_private_dir(dir).map_err(|source| VrsError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut outputs = Vec::new();
        for (stem, csv, json, rows) in render(&tables)? {
            for (ext, text) in [("csv", &csv), ("json", &json)] {
                let path = dir.join(format!("{stem}.{ext}"));
                let mut file = OutputFile::create(&path, replace, &[])?;
                file.write_all(text.as_bytes())?;
                outputs.push((file, rows));
            }
        }
        // Every file is complete before any is moved into place.
        let mut files = Vec::new();
        for (file, rows) in outputs {
            files.push(ReleaseFile {
                path: file.commit()?,
                rows,
            });
        }
        Ok(Answer::Done(ReleaseReport {
            date,
            min_cell_size: min_cell,
            files,
        }))
    }
}

impl Vrs {
    /// T1-4-4, T1-4-6: the exact counts of a release up to `date` in the
    /// principal's scope, and the minimum cell size its tables are suppressed with.
    pub(crate) fn counts_for_release(
        &mut self,
        principal: Principal,
        date: NaiveDate,
    ) -> Result<Answer<(vrs_consent::ReleaseCounts, Option<u64>)>, VrsError> {
        let configured = self.store.statistics_min_cell()?;
        let min_cell = min_cell_size(principal, configured, None).map_err(VrsError::Statistics)?;
        let partition = match principal {
            Principal::Municipality(me) => Some(me),
            _ => None,
        };
        let allowed = match self.decide(principal, Action::ViewStatistics, partition, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let scope = match (principal, partition) {
            (_, Some(m)) => StatScope::Municipality(m),
            (Principal::Prefecture(p), None) => StatScope::Prefecture(p),
            _ => StatScope::All,
        };
        let facts = if vrs_consent::statistics_need_consent(principal) {
            Some(self.all_facts()?)
        } else {
            None
        };
        let now = self.clock.now();
        let include = |m| {
            facts
                .as_ref()
                .is_none_or(|f| contributes_to_statistics(f, m, now))
        };
        let counts = self.store.release_counts(&allowed, scope, date, &include)?;
        Ok(Answer::Done((counts, min_cell)))
    }
}
