//! Statistics for screens: the dashboard tables of the State and prefectures
//! (the release's tables, suppressed together) and the public page's national and
//! per-prefecture daily totals (T1-4-4, T1-4-6). Each table comes with its CSV and
//! JSON, as downloaded.

use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{
    suppress_by_municipality, suppress_public_daily, suppress_release, KeyRow, PublicDaily,
    ReleaseTables,
};
use vrs_domain::csv_output::push_record;
use vrs_domain::Principal;

use crate::{Answer, Vrs, VrsError};

/// One table as it is downloaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableFile {
    /// The table's name (`by_day`, `by_dose`, ...), its file stem.
    pub name: String,
    /// The table as CSV (UTF-8, a header line).
    pub csv: String,
    /// The table as JSON.
    pub json: String,
}

/// The State's or a prefecture's dashboard: the release's tables up to `date`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// Counts up to and including this day.
    pub date: NaiveDate,
    /// The minimum cell size applied (`None`: exact).
    pub min_cell_size: Option<u64>,
    /// The tables, suppressed together.
    pub tables: ReleaseTables,
    /// A prefecture's: doses by municipality and dose number, suppressed by the
    /// same rule (empty for the State, whose table is by prefecture).
    pub by_municipality: Vec<KeyRow>,
    /// Each table as CSV and JSON.
    pub files: Vec<TableFile>,
}

/// The public page: what the State publishes for everyone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicPage {
    /// Counts up to and including this day.
    pub date: NaiveDate,
    /// The minimum cell size applied.
    pub min_cell_size: Option<u64>,
    /// The national and per-prefecture daily totals, suppressed together.
    pub daily: PublicDaily,
    /// `national_daily` and `prefecture_daily` as CSV and JSON.
    pub files: Vec<TableFile>,
}

fn json<T: Serialize + ?Sized>(v: &T) -> Result<String, VrsError> {
    serde_json::to_string_pretty(v).map_err(|e| {
        VrsError::Store(vrs_store::StoreError::Corrupt {
            what: format!("statistics json: {e}"),
        })
    })
}

fn opt(v: Option<u64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Vrs {
    /// T1-4-4, T1-4-6: the dashboard of `principal` (the State: every consenting
    /// municipality; a prefecture: its own): doses per day by dose number, by dose
    /// number, by prefecture and by age band up to `date`, small cells suppressed
    /// across all tables together, as `vrs release` writes them; for a
    /// prefecture also by municipality (`by_municipality`), suppressed by the
    /// same rule.
    pub fn dashboard(
        &mut self,
        principal: Principal,
        date: NaiveDate,
    ) -> Result<Answer<Dashboard>, VrsError> {
        let (counts, min_cell) = match self.counts_for_release(principal, date)? {
            Answer::Done(c) => c,
            Answer::Refused(r) => return Ok(Answer::Refused(r)),
        };
        let tables = suppress_release(&counts, min_cell);
        let mut files: Vec<TableFile> = crate::release::render(&tables)?
            .into_iter()
            .map(|(name, csv, json, _)| TableFile { name, csv, json })
            .collect();
        let by_municipality = if matches!(principal, Principal::Prefecture(_)) {
            suppress_by_municipality(&counts, min_cell)
        } else {
            Vec::new()
        };
        if matches!(principal, Principal::Prefecture(_)) {
            let mut csv = String::new();
            push_record(
                &mut csv,
                ["municipality", "dose_number", "count", "coverage_percent"],
                "\n",
            );
            for r in &by_municipality {
                let cells = [
                    r.key.clone(),
                    r.dose_number.to_string(),
                    opt(r.count),
                    r.coverage_percent
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                ];
                push_record(&mut csv, cells.iter().map(String::as_str), "\n");
            }
            files.push(TableFile {
                name: "by_municipality".into(),
                csv,
                json: json(&by_municipality)?,
            });
        }
        Ok(Answer::Done(Dashboard {
            date,
            min_cell_size: min_cell,
            tables,
            by_municipality,
            files,
        }))
    }

    /// T1-4-4, T1-4-6: the public page up to `date`: the national daily totals and
    /// each prefecture's daily totals, as the State publishes them (its statistics,
    /// small cells suppressed across both tables together).
    pub fn public_daily(&mut self, date: NaiveDate) -> Result<Answer<PublicPage>, VrsError> {
        let (counts, min_cell) = match self.counts_for_release(Principal::National, date)? {
            Answer::Done(c) => c,
            Answer::Refused(r) => return Ok(Answer::Refused(r)),
        };
        let daily = suppress_public_daily(&counts.by_prefecture_day, min_cell);
        let mut national = String::new();
        push_record(&mut national, ["date", "count"], "\n");
        for d in &daily.national {
            push_record(
                &mut national,
                [d.date.to_string(), opt(d.count)]
                    .iter()
                    .map(String::as_str),
                "\n",
            );
        }
        let mut prefectures = String::new();
        push_record(&mut prefectures, ["date", "prefecture", "count"], "\n");
        for c in &daily.prefectures {
            let row = [c.date.to_string(), c.prefecture.clone(), opt(c.count)];
            push_record(&mut prefectures, row.iter().map(String::as_str), "\n");
        }
        let files = vec![
            TableFile {
                name: "national_daily".into(),
                csv: national,
                json: json(&daily.national)?,
            },
            TableFile {
                name: "prefecture_daily".into(),
                csv: prefectures,
                json: json(&daily.prefectures)?,
            },
        ];
        Ok(Answer::Done(PublicPage {
            date,
            min_cell_size: min_cell,
            daily,
            files,
        }))
    }
}
