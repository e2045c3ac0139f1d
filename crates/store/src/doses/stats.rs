//! Dose statistics: the grouping keys and scopes of a statistics query and the
//! counts read from the `dose_counts` table (exact cells; suppression is the
//! caller's, from vrs-consent's rule).

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::{MunicipalityCode, PrefectureCode};

use super::corrupt;
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

    fn sql(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Dose => "CAST(dose_number AS TEXT)",
            Self::Vaccine => "product",
            Self::AgeBand => "age_band",
            Self::Municipality => "printf('%06d', municipality)",
        }
    }

    /// [`StatKey::sql`] in PostgreSQL's dialect (the same text values).
    pub(crate) fn pg_sql(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Dose => "dose_number::text",
            Self::Vaccine => "product",
            Self::AgeBand => "age_band",
            Self::Municipality => "lpad(municipality::text, 6, '0')",
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
        // Grouped by municipality too, so that only the municipalities `include`
        // admits are summed; the cells are then merged in key order.
        let mut select = String::from("municipality");
        for k in by {
            select.push_str(", ");
            select.push_str(k.sql());
        }
        let group = (1..=by.len() + 1)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let tx = backend!(mut self, pg => pg.dose_statistics(&self.keys, allowed, (lo, hi), by, from, to, include)).transaction()?;
        let mut cells: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
        if by.is_empty() {
            cells.insert(Vec::new(), 0);
        }
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {select}, sum(n) FROM dose_counts
                 WHERE municipality BETWEEN ?1 AND ?2 AND date >= ?3 AND date <= ?4
                 GROUP BY {group}"
            ))?;
            let from = from.map(|d| d.to_string()).unwrap_or_else(|| "0000".into());
            let to = to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into());
            let mut rows = stmt.query(params![lo, hi, from, to])?;
            let mut admitted: HashMap<u32, bool> = HashMap::new();
            while let Some(r) = rows.next()? {
                let m: u32 = r.get(0)?;
                let ok = match admitted.get(&m) {
                    Some(ok) => *ok,
                    None => {
                        let ok = include(MunicipalityCode::from_u32(m).map_err(corrupt)?);
                        admitted.insert(m, ok);
                        ok
                    }
                };
                let count: i64 = r.get(by.len() + 1)?;
                if !ok || count <= 0 {
                    continue;
                }
                let key = (1..=by.len())
                    .map(|i| r.get::<_, String>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                *cells.entry(key).or_default() += count as u64;
            }
        }
        let out: Vec<StatRow> = cells
            .into_iter()
            .map(|(values, count)| StatRow {
                keys: by.iter().map(|k| k.name()).zip(values).collect(),
                count,
            })
            .collect();
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
