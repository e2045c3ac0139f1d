//! `cargo xtask bench national`: residents and doses over every municipality of
//! the country (the registry in vrs-domain), loaded through the facade one
//! municipality at a time on SQLite and/or PostgreSQL: residents by the
//! resident import (PostgreSQL: binary COPY), doses by each municipality's
//! dose file (`Vrs::import_doses`, the municipal upload path). Then audited
//! lookups/s, national statistics, bytes per resident, and the extrapolation
//! to 126 M residents.

use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vrs::domain::parse_dose_date;
use vrs::{Answer, Lookup, StatQuery, SystemClock, Vrs, VrsError};
use vrs_domain::{all_local_govs, LocalGovKind, MunicipalityCode};

const JAPAN: f64 = 126_000_000.0;

/// 色丹村, 泊村 (国後郡), 留夜別村, 留別村, 紗那村, 蘂取村.
const NORTHERN_TERRITORIES: [&str; 6] =
    ["016951", "016969", "016977", "016985", "016993", "017001"];

/// What to load and measure.
pub(crate) struct Options<'a> {
    pub(crate) residents: u64,
    pub(crate) doses: u64,
    pub(crate) lookups: u64,
    pub(crate) database: Option<&'a str>,
    pub(crate) sqlite: bool,
    pub(crate) json: Option<&'a Path>,
    /// Stop loading doses once their import has taken this many seconds.
    pub(crate) dose_budget_secs: Option<f64>,
}

/// The one-minute load average (the machine is shared: every figure says it).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Drops the run's PostgreSQL schema however the run ends.
struct DropSchema<'a> {
    url: &'a str,
    schema: String,
}

impl Drop for DropSchema<'_> {
    fn drop(&mut self) {
        match postgres::Client::connect(self.url, postgres::NoTls) {
            Ok(mut c) => {
                if let Err(e) =
                    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
                {
                    eprintln!("could not drop schema {}: {e}", self.schema);
                }
            }
            Err(e) => eprintln!("could not drop schema {}: {e}", self.schema),
        }
    }
}

/// A municipality's dose file: `n` doses over its `residents` residents (the
/// first round dose 1 of each, the next dose 2 four months later, ...).
pub(crate) fn write_doses(
    m: MunicipalityCode,
    residents: u64,
    n: u64,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(m.as_u32()));
    writeln!(
        out,
        "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師"
    )?;
    let start = parse_dose_date("2021-06-01")?;
    for k in 0..n {
        let ticket = k % residents.max(1) + 1;
        let round = k / residents.max(1);
        let date = start + chrono::Duration::days(120 * round as i64 + rng.gen_range(0..60));
        writeln!(
            out,
            "1{}{m}{ticket:010},comirnaty,FA5765,{date},集団接種会場{},医師{}",
            (round + 1).min(9),
            rng.gen_range(1..20),
            rng.gen_range(1..50)
        )?;
    }
    Ok(())
}

/// Sizes of the schema's tables (partitions summed under their parent), bytes.
fn pg_sizes(url: &str, schema: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    Ok(c.query(
        "SELECT regexp_replace(c.relname, '_p[0-9]+$', '') AS t,
                sum(pg_total_relation_size(c.oid))::bigint
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r'
         GROUP BY t ORDER BY 2 DESC",
        &[&schema],
    )?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

pub(crate) fn run(o: Options<'_>) -> anyhow::Result<()> {
    // The 1,741 municipalities and special wards: not the wards of designated
    // cities (they are no partition of their own), nor the six villages of the
    // Northern Territories, which have codes but no administration.
    let mut codes: Vec<MunicipalityCode> = all_local_govs()
        .filter(|g| g.kind == LocalGovKind::Municipality)
        .filter(|g| !NORTHERN_TERRITORIES.contains(&g.code))
        .filter_map(|g| MunicipalityCode::parse_municipality(g.code).ok())
        .collect();
    codes.sort();
    eprintln!(
        "{} municipalities, {} residents, {} doses",
        codes.len(),
        o.residents,
        o.doses
    );
    let tmp = tempfile::tempdir()?;
    let mut backends: Vec<(&str, Option<String>)> = Vec::new();
    if o.sqlite {
        backends.push(("sqlite", None));
    }
    let schema = format!("national_{}", std::process::id());
    if let Some(url) = o.database {
        std::env::set_var("VRS_DATABASE_URL", url);
        let sep = if url.contains('?') { '&' } else { '?' };
        backends.push(("postgres", Some(format!("{url}{sep}schema={schema}"))));
    }
    let mut all = Vec::new();
    for (backend, db) in backends {
        let _drop = match (&db, o.database) {
            (Some(_), Some(url)) => Some(DropSchema {
                url,
                schema: schema.clone(),
            }),
            _ => None,
        };
        let figures = one(&o, &codes, tmp.path(), backend, db.as_deref(), &schema)?;
        println!("{}", serde_json::to_string_pretty(&figures)?);
        all.push(figures);
    }
    if let Some(path) = o.json {
        std::fs::write(path, serde_json::to_string_pretty(&all)?)?;
    }
    Ok(())
}

fn one(
    o: &Options<'_>,
    codes: &[MunicipalityCode],
    tmp: &Path,
    backend: &str,
    db: Option<&str>,
    schema: &str,
) -> anyhow::Result<serde_json::Value> {
    let load_before = loadavg();
    let data = tmp.join(format!("data-{backend}"));
    Vrs::init_database(&data, db, None, false, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let count = codes.len() as u64;
    let (per, extra) = (o.residents / count, o.residents % count);
    let (dose_per, dose_extra) = (o.doses / count, o.doses % count);
    let (mut resident_secs, mut dose_secs) = (0.0, 0.0);
    let mut doses_loaded = 0u64;
    let mut doses_served = true;
    let mut doses_status = "loaded by each municipality's dose file (Vrs::import_doses)".to_owned();
    let t_all = Instant::now();
    let mut csv = Vec::new();
    for (i, m) in codes.iter().enumerate() {
        let n = per + u64::from((i as u64) < extra);
        let who: vrs::Principal = format!("municipality:{m}").parse()?;
        vrs.grant_consent(
            who,
            None,
            vrs::consent::DocumentId::Terms20211203,
            None,
            Some("bench"),
        )?;
        csv.clear();
        crate::population::write_population(*m, n, 7, &mut csv, false)?;
        let t = Instant::now();
        let Answer::Done(out) = vrs.import_residents(who, csv.as_slice(), None, false)? else {
            anyhow::bail!("{backend}: {m} refused")
        };
        resident_secs += t.elapsed().as_secs_f64();
        anyhow::ensure!(
            out.committed && out.imported == n,
            "{backend}: {m}: {:?}",
            out.errors.first()
        );
        let d = dose_per + u64::from((i as u64) < dose_extra);
        if doses_served && o.dose_budget_secs.is_some_and(|b| dose_secs >= b) {
            doses_served = false;
            doses_status = format!(
                "loaded by each municipality's dose file (Vrs::import_doses) for the first {i} \
                 municipalities, then stopped: the dose budget of {:.0} s was spent",
                o.dose_budget_secs.unwrap_or_default()
            );
            eprintln!("{backend}: {doses_status}");
        }
        if d > 0 && doses_served {
            csv.clear();
            write_doses(*m, n, d, &mut csv)?;
            let site: vrs::Principal = format!("site:{m}").parse()?;
            let t = Instant::now();
            match vrs.import_doses(site, csv.as_slice(), None) {
                Ok(Answer::Done(out)) => {
                    dose_secs += t.elapsed().as_secs_f64();
                    anyhow::ensure!(
                        out.committed && out.registered == d,
                        "{backend}: {m} doses: {} errors, first {:?}",
                        out.errors.len(),
                        out.errors.first()
                    );
                    doses_loaded += d;
                }
                Ok(Answer::Refused(r)) => anyhow::bail!("{backend}: {m} doses refused: {r}"),
                Err(VrsError::Store(e)) if i == 0 => {
                    doses_status = format!("not loaded: {e}");
                    doses_served = false;
                    eprintln!("{backend}: doses {doses_status}");
                }
                Err(e) => return Err(e.into()),
            }
        }
        if (i + 1) % 100 == 0 || i + 1 == codes.len() {
            eprintln!(
                "{backend}: {}/{} municipalities, residents {:.0}/s, doses {:.0}/s, {:.0} s, load {}",
                i + 1,
                codes.len(),
                (per * (i as u64 + 1)) as f64 / resident_secs,
                doses_loaded as f64 / dose_secs.max(1e-9),
                t_all.elapsed().as_secs_f64(),
                loadavg()
            );
        }
    }
    let wall = t_all.elapsed().as_secs_f64();

    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let t = Instant::now();
    for _ in 0..o.lookups {
        let m = codes[rng.gen_range(0..codes.len())];
        let who: vrs::Principal = format!("municipality:{m}").parse()?;
        let a = format!("A{:09}", rng.gen_range(1..=per.max(1)))
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let Answer::Done(Some(_)) = vrs.find_resident(who, None, &Lookup::AddressNumber(a))? else {
            anyhow::bail!("{backend}: lookup missed in {m}")
        };
    }
    let lookups_per_sec = o.lookups as f64 / t.elapsed().as_secs_f64();

    let national: vrs::Principal = "national".parse()?;
    let mut stats = Vec::new();
    for by in [
        "",
        "municipality,dose",
        "date,vaccine",
        "municipality,dose,age-band",
    ] {
        let query = StatQuery {
            by: by
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e: String| anyhow::anyhow!(e))?,
            ..StatQuery::default()
        };
        let t = Instant::now();
        let cells = match vrs.dose_statistics(national, &query) {
            Ok(Answer::Done(s)) => s.rows.len().to_string(),
            Ok(Answer::Refused(r)) => anyhow::bail!("national statistics refused: {r}"),
            Err(VrsError::Store(e)) => format!("not served: {e}"),
            Err(e) => return Err(e.into()),
        };
        let secs = t.elapsed().as_secs_f64();
        eprintln!("{backend}: national statistics by [{by}]: {cells} cells in {secs:.3} s");
        stats.push(serde_json::json!({ "by": by, "cells": cells, "seconds": secs }));
    }
    drop(vrs);

    let (bytes, tables) = match (db, o.database) {
        (Some(_), Some(url)) => {
            let sizes = pg_sizes(url, schema)?;
            let total: i64 = sizes.iter().map(|(_, b)| b).sum();
            let tables: serde_json::Map<String, serde_json::Value> = sizes
                .into_iter()
                .map(|(t, b)| (t, serde_json::json!(b)))
                .collect();
            (total as u64, serde_json::Value::Object(tables))
        }
        _ => (super::dir_bytes(&data), serde_json::Value::Null),
    };
    let residents_bytes = tables.get("residents").and_then(|b| b.as_f64());
    let r = o.residents as f64;
    Ok(serde_json::json!({
        "backend": backend,
        "municipalities": codes.len(),
        "residents": o.residents,
        "doses_asked": o.doses,
        "doses": doses_loaded,
        "doses_path": doses_status,
        "resident_import_seconds": resident_secs,
        "resident_import_rows_per_second": r / resident_secs,
        "dose_import_seconds": dose_secs,
        "dose_import_doses_per_second": doses_loaded as f64 / dose_secs.max(1e-9),
        "wall_seconds_with_generation_and_consents": wall,
        "lookups": o.lookups,
        "lookups_per_second": lookups_per_sec,
        "national_statistics": stats,
        "bytes": bytes,
        "bytes_per_resident_all_tables": bytes as f64 / r,
        "bytes_per_resident_residents_table": residents_bytes.map(|b| b / r),
        "tables_bytes": tables,
        "extrapolated_resident_import_hours_126m": resident_secs * JAPAN / r / 3600.0,
        "extrapolated_dose_import_hours_per_126m_doses":
            (doses_loaded > 0).then(|| dose_secs * JAPAN / doses_loaded as f64 / 3600.0),
        "extrapolated_gib_126m": bytes as f64 / r * JAPAN / (1u64 << 30) as f64,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }))
}
