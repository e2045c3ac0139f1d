//! `cargo xtask bench national`: residents over every municipality of the
//! country, imported through the facade one municipality at a time, on SQLite
//! and/or PostgreSQL: import time, bytes per resident, audited lookups/s, and
//! the extrapolation to 126 M residents. (Doses are not in it yet: the
//! PostgreSQL backend does not register doses; see docs/ARCHITECTURE.md.)

use std::time::Instant;

use vrs::{Answer, Lookup, SystemClock, Vrs};
use vrs_domain::{all_local_govs, LocalGovKind, MunicipalityCode};

const JAPAN: f64 = 126_000_000.0;

pub(crate) fn run(
    residents: u64,
    lookups: u64,
    database: Option<&str>,
    sqlite: bool,
) -> anyhow::Result<()> {
    let mut codes: Vec<MunicipalityCode> = all_local_govs()
        .filter(|g| g.kind != LocalGovKind::Prefecture)
        .filter_map(|g| MunicipalityCode::parse_municipality(g.code).ok())
        .collect();
    codes.sort();
    eprintln!("{} municipalities, {residents} residents", codes.len());
    let tmp = tempfile::tempdir()?;
    let mut backends: Vec<(&str, Option<String>)> = Vec::new();
    if sqlite {
        backends.push(("sqlite", None));
    }
    if let Some(url) = database {
        std::env::set_var("VRS_DATABASE_URL", url);
        let sep = if url.contains('?') { '&' } else { '?' };
        backends.push((
            "postgres",
            Some(format!("{url}{sep}schema=national_{}", std::process::id())),
        ));
    }
    for (backend, db) in backends {
        let data = tmp.path().join(format!("data-{backend}"));
        Vrs::init_database(&data, db.as_deref(), None, false, &SystemClock)?;
        let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
        let per = residents / codes.len() as u64;
        let extra = residents % codes.len() as u64;
        let mut import_secs = 0.0;
        let t_all = Instant::now();
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
            let mut csv = Vec::with_capacity(n as usize * 120);
            crate::population::write_population(*m, n, 7, &mut csv, false)?;
            let t = Instant::now();
            let Answer::Done(o) = vrs.import_residents(who, csv.as_slice(), None, false)? else {
                anyhow::bail!("{backend}: {m} refused")
            };
            import_secs += t.elapsed().as_secs_f64();
            anyhow::ensure!(
                o.committed && o.imported == n,
                "{backend}: {m}: {:?}",
                o.errors.first()
            );
        }
        let wall = t_all.elapsed().as_secs_f64();
        let t = Instant::now();
        for i in 0..lookups {
            let m = codes[(i as usize * 7919) % codes.len()];
            let who: vrs::Principal = format!("municipality:{m}").parse()?;
            let a = format!("A{:09}", 1 + (i * 31) % per.max(1))
                .parse()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let Answer::Done(Some(_)) = vrs.find_resident(who, None, &Lookup::AddressNumber(a))?
            else {
                anyhow::bail!("{backend}: lookup missed in {m}")
            };
        }
        let lookups_per_sec = lookups as f64 / t.elapsed().as_secs_f64();
        let bytes = match &db {
            None => super::dir_bytes(&data),
            Some(_) => {
                let url = database.unwrap_or_default();
                let mut c = postgres::Client::connect(url, postgres::NoTls)?;
                let schema = format!("national_{}", std::process::id());
                let b: i64 = c
                    .query_one(
                        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = $1 AND c.relkind = 'r'",
                        &[&schema],
                    )?
                    .get(0);
                c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
                b as u64
            }
        };
        let figures = serde_json::json!({
            "backend": backend,
            "municipalities": codes.len(),
            "residents": residents,
            "import_seconds": import_secs,
            "import_rows_per_second": residents as f64 / import_secs,
            "wall_seconds_with_generation_and_consents": wall,
            "bytes": bytes,
            "bytes_per_resident": bytes as f64 / residents as f64,
            "lookups_per_second": lookups_per_sec,
            "extrapolated_import_hours_126m": import_secs * JAPAN / residents as f64 / 3600.0,
            "extrapolated_gib_126m": bytes as f64 / residents as f64 * JAPAN / (1u64 << 30) as f64,
            "national_statistics": "not measured: doses are not served on PostgreSQL yet",
        });
        println!("{}", serde_json::to_string_pretty(&figures)?);
    }
    Ok(())
}
