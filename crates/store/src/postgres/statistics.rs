//! Statistics and the national release on PostgreSQL (as `crate::doses::stats`
//! and `crate::release`): exact cells read from `dose_counts` or the smallest
//! of its rollups that holds the query; suppression is the caller's, from
//! vrs-consent's rule.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use vrs_consent::{Allowed, ReleaseCounts};
use vrs_domain::population_file::Population;
use vrs_domain::MunicipalityCode;

use super::doses::{code, municipality};
use super::{audit, Pg, Scope};
use crate::doses::tally::{Source, Tally, Value};
use crate::doses::{corrupt, StatKey, StatRow};
use crate::residents::event;
use crate::{Keyring, StoreError};

/// The scope of a query over the municipality codes `lo..=hi`: one area, or national.
fn scope_of(lo: u32, hi: u32) -> Result<Scope, StoreError> {
    Ok(if lo == hi {
        Scope::Area(MunicipalityCode::from_u32(lo).map_err(corrupt)?)
    } else {
        Scope::National
    })
}

impl Pg {
    /// [`crate::Store::dose_statistics`] on PostgreSQL.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dose_statistics(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        (lo, hi): (u32, u32),
        by: &[StatKey],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<Vec<StatRow>, StoreError> {
        // The smallest table holding the keys and the date filter, grouped by
        // municipality too (only the municipalities `include` admits are
        // summed) on plain columns; the cells are merged and formatted here.
        let dated = from.is_some() || to.is_some();
        let source = Source::pick(by, dated);
        let group = (1..=by.len() + 1)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(lo, hi)?)?;
        let from = from.map(|d| d.to_string()).unwrap_or_else(|| "0000".into());
        let to = to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into());
        let columns = Source::columns(by);
        let table = source.table();
        let bounds: [&(dyn postgres::types::ToSql + Sync); 2] = [&(lo as i32), &(hi as i32)];
        let rows = if dated {
            tx.query(
                &format!(
                    "SELECT municipality{columns}, sum(n)::bigint FROM {table}
                     WHERE municipality BETWEEN $1 AND $2 AND date >= $3 AND date <= $4
                     GROUP BY {group}"
                ),
                &[bounds[0], bounds[1], &from, &to],
            )?
        } else {
            tx.query(
                &format!(
                    "SELECT municipality{columns}, sum(n)::bigint FROM {table}
                     WHERE municipality BETWEEN $1 AND $2
                     GROUP BY {group}"
                ),
                &bounds,
            )?
        };
        let mut tally = Tally::new(by);
        for r in &rows {
            let m: i32 = r.get(0);
            let key = tally.key(by.iter().enumerate().map(|(i, k)| {
                Ok::<_, postgres::Error>(match k {
                    StatKey::Dose => Value::Int(i64::from(r.try_get::<_, i16>(i + 1)?)),
                    StatKey::Municipality => Value::Int(i64::from(r.try_get::<_, i32>(i + 1)?)),
                    _ => Value::Text(r.try_get::<_, &str>(i + 1)?),
                })
            }))?;
            tally.add(municipality(m)?.as_u32(), key, r.get(by.len() + 1));
        }
        let out = tally.finish(include)?;
        let detail = serde_json::json!({
            "by": by.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "cells": out.len(),
        });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`crate::Store::set_statistics_min_cell`] on PostgreSQL.
    pub(crate) fn set_statistics_min_cell(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        size: u64,
    ) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('statistics_min_cell', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&size.to_string()],
        )?;
        let ev = event(allowed, None, serde_json::json!({ "min_cell_size": size }));
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(())
    }

    /// [`crate::Store::import_population`] on PostgreSQL.
    pub(crate) fn import_population(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        population: &Population,
    ) -> Result<u64, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let total: u64 = population.values().sum();
        let detail = serde_json::json!({ "rows": population.len(), "people": total });
        let ev = event(allowed, None, detail);
        let seq = audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.execute("DELETE FROM population", &[])?;
        let insert = tx.prepare(
            "INSERT INTO population (municipality, age_band, n, audit_seq) VALUES ($1, $2, $3, $4)",
        )?;
        for ((m, band), n) in population {
            tx.execute(&insert, &[&code(*m), band, &(*n as i64), &seq])?;
        }
        tx.commit()?;
        Ok(population.len() as u64)
    }

    /// [`crate::Store::release_counts`] on PostgreSQL.
    pub(crate) fn release_counts(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        (lo, hi): (u32, u32),
        up_to: NaiveDate,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<ReleaseCounts, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope_of(lo, hi)?)?;
        let mut counts = ReleaseCounts::default();
        let mut admitted: BTreeMap<i32, bool> = BTreeMap::new();
        let mut admit = |m: i32| -> Result<bool, StoreError> {
            if let Some(ok) = admitted.get(&m) {
                return Ok(*ok);
            }
            let ok = include(municipality(m)?);
            admitted.insert(m, ok);
            Ok(ok)
        };
        let bounds: [&(dyn postgres::types::ToSql + Sync); 2] = [&(lo as i32), &(hi as i32)];
        for r in tx.query(
            "SELECT municipality, date, dose_number, age_band, sum(n)::bigint FROM dose_counts
             WHERE municipality BETWEEN $1 AND $2 AND date <= $3
             GROUP BY 1, 2, 3, 4",
            &[bounds[0], bounds[1], &up_to.to_string()],
        )? {
            let m: i32 = r.get(0);
            let n: i64 = r.get(4);
            if n <= 0 || !admit(m)? {
                continue;
            }
            let n = n as u64;
            let date: NaiveDate = r.get::<_, &str>(1).parse().map_err(corrupt)?;
            let dose = r.get::<_, i16>(2) as u8;
            let band: String = r.get(3);
            let prefecture = format!("{:02}", m / 10_000);
            *counts.by_day.entry((date, dose)).or_default() += n;
            *counts
                .by_prefecture
                .entry((prefecture.clone(), dose))
                .or_default() += n;
            *counts.by_age_band.entry((band, dose)).or_default() += n;
            *counts
                .by_prefecture_day
                .entry((date, prefecture))
                .or_default() += n;
        }
        for r in tx.query(
            "SELECT municipality, age_band, n FROM population WHERE municipality BETWEEN $1 AND $2",
            &bounds,
        )? {
            let m: i32 = r.get(0);
            if !admit(m)? {
                continue;
            }
            let n = r.get::<_, i64>(2) as u64;
            *counts
                .population_by_prefecture
                .entry(format!("{:02}", m / 10_000))
                .or_default() += n;
            *counts.population_by_age_band.entry(r.get(1)).or_default() += n;
        }
        let detail = serde_json::json!({ "release": up_to, "days": counts.by_day.len() });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(counts)
    }
}
