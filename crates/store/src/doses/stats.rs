//! Dose statistics: the grouping keys and scopes of a statistics query and the
//! counts read from `dose_counts` or the smallest of its rollups that holds
//! the query (exact cells; suppression is the caller's, from vrs-consent's rule).

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::{MunicipalityCode, PrefectureCode};

use super::corrupt;
use super::tally::{Source, Tally, Value};
use crate::audit;
use crate::residents::event;
use crate::{Store, StoreError};

/// A grouping key of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatKey {
    /// The vaccination date.
    Date,
    /// The dose number.
    Dose,
    /// The product id.
    Vaccine,
    /// Ten-year age band on the dose date.
    AgeBand,
    /// The residence municipality.
    Municipality,
}

impl StatKey {
    /// The key's name in output (`date`, `dose`, `vaccine`, `age_band`, `municipality`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Dose => "dose",
            Self::Vaccine => "vaccine",
            Self::AgeBand => "age_band",
            Self::Municipality => "municipality",
        }
    }
}

impl std::str::FromStr for StatKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "date" => Ok(Self::Date),
            "dose" => Ok(Self::Dose),
            "vaccine" => Ok(Self::Vaccine),
            "age-band" | "age_band" => Ok(Self::AgeBand),
            "municipality" => Ok(Self::Municipality),
            other => Err(format!(
                "{other:?} is not one of date, dose, vaccine, age-band, municipality"
            )),
        }
    }
}

/// Which doses a statistics query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatScope {
    /// Every partition (the State).
    All,
    /// The municipalities of one prefecture.
    Prefecture(PrefectureCode),
    /// One municipality.
    Municipality(MunicipalityCode),
}

impl StatScope {
    /// The range of municipality codes the scope covers.
    pub(crate) fn bounds(self) -> (u32, u32) {
        match self {
            Self::All => (0, 999_999),
            Self::Prefecture(p) => {
                let base = u32::from(p.as_u8()) * 10_000;
                (base, base + 9_999)
            }
            Self::Municipality(m) => (m.as_u32(), m.as_u32()),
        }
    }
}

/// One cell of a statistics answer: the group keys and the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatRow {
    /// Key name → value, in the order asked.
    pub keys: Vec<(&'static str, String)>,
    /// The number of doses.
    pub count: u64,
}

impl Store {
    /// T1-4-4, T1-4-6, P11-7: counts active doses grouped by `by` within `scope`
    /// and the date range, auditing the query. Cells are exact; suppression for
    /// the State and prefectures is applied by the caller from vrs-consent's rule.
    pub fn dose_statistics(
        &mut self,
        allowed: &Allowed,
        scope: StatScope,
        by: &[StatKey],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<Vec<StatRow>, StoreError> {
        allowed.check(Action::ViewStatistics)?;
        let (lo, hi) = scope.bounds();
        let tx = backend!(mut self, pg => pg.dose_statistics(
            &self.keys, allowed, (lo, hi), by, from, to, include,
        ))
        .transaction()?;
        // The smallest table holding the keys and the date filter, scanned in
        // its primary key's order (no temporary B-tree) and summed per
        // municipality and key in memory, so that only the municipalities
        // `include` admits are counted.
        let dated = from.is_some() || to.is_some();
        let source = Source::pick(by, dated);
        let mut sql = format!(
            "SELECT municipality{}, n FROM {} WHERE municipality BETWEEN ?1 AND ?2",
            Source::columns(by),
            source.table()
        );
        if dated {
            sql.push_str(" AND date >= ?3 AND date <= ?4");
        }
        let mut tally = Tally::new(by);
        {
            let mut stmt = tx.prepare(&sql)?;
            let from = from.map(|d| d.to_string()).unwrap_or_else(|| "0000".into());
            let to = to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into());
            let mut rows = if dated {
                stmt.query(params![lo, hi, from, to])?
            } else {
                stmt.query(params![lo, hi])?
            };
            while let Some(r) = rows.next()? {
                let m: u32 = r.get(0)?;
                let key = tally.key(by.iter().enumerate().map(|(i, k)| {
                    Ok::<_, rusqlite::Error>(match k {
                        StatKey::Dose | StatKey::Municipality => Value::Int(r.get(i + 1)?),
                        _ => Value::Text(r.get_ref(i + 1)?.as_str()?),
                    })
                }))?;
                tally.add(m, key, r.get(by.len() + 1)?);
            }
        }
        let out = tally.finish(include)?;
        let detail = serde_json::json!({
            "by": by.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "cells": out.len(),
        });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(out)
    }

    /// T1-4-6: sets the minimum cell size of the State's and prefectures' statistics
    /// (the caller has checked the floor), auditing the change.
    pub fn set_statistics_min_cell(
        &mut self,
        allowed: &Allowed,
        size: u64,
    ) -> Result<(), StoreError> {
        allowed.check(Action::ConfigureStatistics)?;
        let tx = backend!(mut self, pg => pg.set_statistics_min_cell(&self.keys, allowed, size))
            .transaction()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('statistics_min_cell', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [size.to_string()],
        )?;
        audit::append(
            &tx,
            &self.keys,
            &event(allowed, None, serde_json::json!({ "min_cell_size": size })),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The configured minimum cell size, if the operator set one.
    pub fn statistics_min_cell(&self) -> Result<Option<u64>, StoreError> {
        self.setting("statistics_min_cell")?
            .map(|v| v.parse().map_err(corrupt))
            .transpose()
    }
}
