//! The national release's data: population denominators (not personal data) and
//! the dose counts of every table of one release, read in one pass.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::params;
use vrs_consent::{Action, Allowed, ReleaseCounts};
use vrs_domain::population_file::Population;
use vrs_domain::MunicipalityCode;

use crate::audit;
use crate::doses::StatScope;
use crate::residents::event;
use crate::{Store, StoreError};

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("release: {what}"),
    }
}

impl Store {
    /// Replaces the population denominators with `population`, audited with the
    /// number of rows, in one transaction.
    pub fn import_population(
        &mut self,
        allowed: &Allowed,
        population: &Population,
    ) -> Result<u64, StoreError> {
        allowed.check(Action::ImportPopulation)?;
        let tx = backend!(mut self, pg => pg.import_population(&self.keys, allowed, population))
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let total: u64 = population.values().sum();
        let detail = serde_json::json!({ "rows": population.len(), "people": total });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute("DELETE FROM population", [])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO population (municipality, age_band, n, audit_seq) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for ((m, band), n) in population {
                insert.execute(params![m.as_u32(), band, *n as i64, seq])?;
            }
        }
        tx.commit()?;
        Ok(population.len() as u64)
    }

    /// The counts of every table of one release up to `up_to` (inclusive), of the
    /// municipalities in `scope` that `include` admits, with the population
    /// denominators of those municipalities; audited once.
    pub fn release_counts(
        &mut self,
        allowed: &Allowed,
        scope: StatScope,
        up_to: NaiveDate,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<ReleaseCounts, StoreError> {
        allowed.check(Action::ViewStatistics)?;
        let (lo, hi) = scope.bounds();
        let tx = backend!(mut self, pg => pg.release_counts(&self.keys, allowed, (lo, hi), up_to, include)).transaction()?;
        let mut counts = ReleaseCounts::default();
        let mut admitted: BTreeMap<u32, bool> = BTreeMap::new();
        let mut admit = |m: u32| -> Result<bool, StoreError> {
            if let Some(ok) = admitted.get(&m) {
                return Ok(*ok);
            }
            let ok = include(MunicipalityCode::from_u32(m).map_err(corrupt)?);
            admitted.insert(m, ok);
            Ok(ok)
        };
        {
            let mut stmt = tx.prepare(
                "SELECT municipality, date, dose_number, age_band, sum(n) FROM dose_counts
                 WHERE municipality BETWEEN ?1 AND ?2 AND date <= ?3
                 GROUP BY 1, 2, 3, 4",
            )?;
            let mut rows = stmt.query(params![lo, hi, up_to.to_string()])?;
            while let Some(r) = rows.next()? {
                let m: u32 = r.get(0)?;
                let n: i64 = r.get(4)?;
                if n <= 0 || !admit(m)? {
                    continue;
                }
                let n = n as u64;
                let code = MunicipalityCode::from_u32(m).map_err(corrupt)?.to_string();
                let date: NaiveDate = r.get::<_, String>(1)?.parse().map_err(corrupt)?;
                let dose: u8 = r.get(2)?;
                let band: String = r.get(3)?;
                *counts.by_day.entry((date, dose)).or_default() += n;
                *counts
                    .by_prefecture
                    .entry((format!("{:02}", m / 10_000), dose))
                    .or_default() += n;
                *counts.by_age_band.entry((band, dose)).or_default() += n;
                *counts.by_municipality.entry((code, dose)).or_default() += n;
                *counts
                    .by_prefecture_day
                    .entry((date, format!("{:02}", m / 10_000)))
                    .or_default() += n;
            }
        }
        {
            let mut stmt = tx.prepare(
                "SELECT municipality, age_band, n FROM population
                 WHERE municipality BETWEEN ?1 AND ?2",
            )?;
            let mut rows = stmt.query(params![lo, hi])?;
            while let Some(r) = rows.next()? {
                let m: u32 = r.get(0)?;
                if !admit(m)? {
                    continue;
                }
                let n = r.get::<_, i64>(2)? as u64;
                *counts
                    .population_by_prefecture
                    .entry(format!("{:02}", m / 10_000))
                    .or_default() += n;
                *counts.population_by_age_band.entry(r.get(1)?).or_default() += n;
                *counts
                    .population_by_municipality
                    .entry(MunicipalityCode::from_u32(m).map_err(corrupt)?.to_string())
                    .or_default() += n;
            }
        }
        let detail = serde_json::json!({ "release": up_to, "days": counts.by_day.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(counts)
    }
}
