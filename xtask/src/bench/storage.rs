//! `cargo xtask bench storage`: the same use cases through the same facade on
//! both storage backends in one run, side by side: resident import (PostgreSQL:
//! binary COPY into a staging table), lookups, counts, and what each backend
//! does not serve yet.

use std::path::Path;
use std::time::Instant;

use vrs::{Answer, Lookup, SystemClock, Vrs, VrsError};
use vrs_domain::MunicipalityCode;

/// One backend's figures.
struct Figures {
    backend: &'static str,
    import_secs: f64,
    lookups_per_sec: f64,
    count_ms: f64,
    bytes_per_resident: Option<f64>,
    doses: String,
}

pub(crate) fn run(
    rows: u64,
    lookups: u64,
    database: Option<&str>,
    json: Option<&Path>,
) -> anyhow::Result<()> {
    let code: MunicipalityCode = "131016".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("residents.csv");
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?);
        crate::population::write_population(code, rows, 1, &mut w, false)?;
        std::io::Write::flush(&mut w)?;
    }
    let mut all = vec![one(tmp.path(), "sqlite", None, &csv, code, rows, lookups)?];
    match database {
        Some(url) => {
            // Later opens find the password here (the data dir keeps none).
            std::env::set_var("VRS_DATABASE_URL", url);
            let schema = format!("bench_{}", std::process::id());
            let sep = if url.contains('?') { '&' } else { '?' };
            let with_schema = format!("{url}{sep}schema={schema}");
            let f = one(
                tmp.path(),
                "postgres",
                Some(&with_schema),
                &csv,
                code,
                rows,
                lookups,
            );
            let mut c = postgres::Client::connect(url, postgres::NoTls)?;
            let mut f = f?;
            let bytes: i64 = c
                .query_one(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname LIKE 'residents_p%' AND c.relkind = 'r'",
                    &[&schema],
                )?
                .get(0);
            f.bytes_per_resident = Some(bytes as f64 / rows as f64);
            c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
            all.push(f);
        }
        None => eprintln!("no --database (or VRS_TEST_DATABASE_URL): PostgreSQL not measured"),
    }
    println!(
        "{:<9} {:>14} {:>12} {:>10} {:>12}  dose registration",
        "backend", "import rows/s", "lookups/s", "count ms", "B/resident"
    );
    let mut out = Vec::new();
    for f in &all {
        println!(
            "{:<9} {:>14.0} {:>12.0} {:>10.1} {:>12}  {}",
            f.backend,
            rows as f64 / f.import_secs,
            f.lookups_per_sec,
            f.count_ms,
            f.bytes_per_resident
                .map_or("-".into(), |b| format!("{b:.0}")),
            f.doses
        );
        out.push(serde_json::json!({
            "backend": f.backend,
            "rows": rows,
            "import_seconds": f.import_secs,
            "import_rows_per_second": rows as f64 / f.import_secs,
            "lookups_per_second": f.lookups_per_sec,
            "count_milliseconds": f.count_ms,
            "bytes_per_resident": f.bytes_per_resident,
            "dose_registration": f.doses,
        }));
    }
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

fn one(
    tmp: &Path,
    backend: &'static str,
    database: Option<&str>,
    csv: &Path,
    code: MunicipalityCode,
    rows: u64,
    lookups: u64,
) -> anyhow::Result<Figures> {
    let data = tmp.join(format!("data-{backend}"));
    Vrs::init_database(&data, database, None, false, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let principal: vrs::Principal = format!("municipality:{code}").parse()?;
    vrs.grant_consent(
        principal,
        None,
        vrs::consent::DocumentId::Terms20211203,
        None,
        Some("bench"),
    )?;
    let t = Instant::now();
    let answer = vrs.import_residents(principal, std::fs::File::open(csv)?, None, false)?;
    let import_secs = t.elapsed().as_secs_f64();
    let Answer::Done(o) = answer else {
        anyhow::bail!("{backend}: import refused")
    };
    anyhow::ensure!(
        o.committed && o.imported == rows,
        "{backend}: import failed: {:?}",
        o.errors.first()
    );
    eprintln!(
        "{backend}: imported {rows} in {import_secs:.2} s ({:.0} rows/s)",
        rows as f64 / import_secs
    );
    let t = Instant::now();
    for i in 0..lookups {
        let a = format!("A{:09}", (i * 7919) % rows + 1)
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let Answer::Done(Some(_)) =
            vrs.find_resident(principal, None, &Lookup::AddressNumber(a))?
        else {
            anyhow::bail!("{backend}: lookup missed")
        };
    }
    let lookups_per_sec = lookups as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let Answer::Done(n) = vrs.count_residents(principal, None)? else {
        anyhow::bail!("{backend}: count refused")
    };
    let count_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(n == rows, "{backend}: counted {n}");
    let doses = match vrs.list_doses(
        principal,
        &Lookup::AddressNumber("A000000001".parse().map_err(|e| anyhow::anyhow!("{e}"))?),
    ) {
        Ok(_) => "served (see `cargo xtask bench doses`)".to_owned(),
        Err(VrsError::Store(e)) => format!("not yet: {e}"),
        Err(e) => return Err(e.into()),
    };
    let bytes_per_resident =
        (backend == "sqlite").then(|| super::dir_bytes(&data) as f64 / rows as f64);
    Ok(Figures {
        backend,
        import_secs,
        lookups_per_sec,
        count_ms,
        bytes_per_resident,
        doses,
    })
}
