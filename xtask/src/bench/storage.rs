//! `cargo xtask bench storage`: the same use cases through the same facade on
//! both storage backends in one run, side by side: resident import (PostgreSQL:
//! binary COPY into a staging table), audited lookups, counts, single dose
//! registrations and single inquiries, and what each backend does not serve yet.

use std::path::Path;
use std::time::Instant;

use vrs::consent::DocumentId;
use vrs::domain::{parse_dose_date, DoseEntry, MyNumber, OcrLine, TicketNumber};
use vrs::{Answer, Lookup, SystemClock, Vrs, VrsError};
use vrs_domain::MunicipalityCode;

/// One backend's figures.
struct Figures {
    backend: &'static str,
    import_secs: f64,
    lookups_per_sec: f64,
    count_ms: f64,
    bytes_per_resident: Option<f64>,
    /// Single dose registrations per second, or why there are none.
    doses: Result<f64, String>,
    /// Single inquiries per second, or why there are none.
    inquiries: Result<f64, String>,
    /// Doses per second of a municipality's dose file (`storage_doses`).
    upload: Result<f64, String>,
}

/// A rate as the table prints it, or the reason there is none.
fn rate(r: &Result<f64, String>) -> String {
    match r {
        Ok(v) => format!("{v:.0}"),
        Err(why) => why.clone(),
    }
}

pub(crate) fn run(
    rows: u64,
    lookups: u64,
    database: Option<&str>,
    json: Option<&Path>,
) -> anyhow::Result<()> {
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
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
        "{:<9} {:>14} {:>12} {:>10} {:>12} {:>12} {:>12} {:>14}",
        "backend",
        "import rows/s",
        "lookups/s",
        "count ms",
        "B/resident",
        "doses/s",
        "inquiries/s",
        "upload doses/s"
    );
    let mut out = Vec::new();
    for f in &all {
        println!(
            "{:<9} {:>14.0} {:>12.0} {:>10.1} {:>12} {:>12} {:>12} {:>14}",
            f.backend,
            rows as f64 / f.import_secs,
            f.lookups_per_sec,
            f.count_ms,
            f.bytes_per_resident
                .map_or("-".into(), |b| format!("{b:.0}")),
            rate(&f.doses),
            rate(&f.inquiries),
            rate(&f.upload),
        );
        out.push(serde_json::json!({
            "backend": f.backend,
            "rows": rows,
            "import_seconds": f.import_secs,
            "import_rows_per_second": rows as f64 / f.import_secs,
            "lookups_per_second": f.lookups_per_sec,
            "count_milliseconds": f.count_ms,
            "bytes_per_resident": f.bytes_per_resident,
            "dose_registrations_per_second": f.doses.as_ref().ok(),
            "dose_registration": f.doses.as_ref().err(),
            "inquiries_per_second": f.inquiries.as_ref().ok(),
            "inquiry": f.inquiries.as_ref().err(),
            "dose_upload_doses_per_second": f.upload.as_ref().ok(),
            "dose_upload": f.upload.as_ref().err(),
            "dose_upload_file": format!(
                "{} doses over {} residents of one municipality",
                super::storage_doses::FILE_DOSES,
                super::storage_doses::AREA_RESIDENTS
            ),
            "loadavg_before": load_before.trim(),
            "loadavg_after": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        }));
    }
    eprintln!(
        "loadavg before {}, after {}",
        load_before.trim(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
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
    let doses = register_doses(&mut vrs, code, rows, lookups)?;
    let inquiries = inquire(&mut vrs, csv, lookups)?;
    let upload = super::storage_doses::upload(&mut vrs)?;
    eprintln!("{backend}: dose upload {}", rate(&upload));
    let bytes_per_resident =
        (backend == "sqlite").then(|| super::dir_bytes(&data) as f64 / rows as f64);
    Ok(Figures {
        backend,
        import_secs,
        lookups_per_sec,
        count_ms,
        bytes_per_resident,
        doses,
        inquiries,
        upload,
    })
}

/// Single dose registrations (each its own use case: decision, resident
/// lookup, rules, insert, audit, commit) of a first dose for `n` residents.
fn register_doses(
    vrs: &mut Vrs,
    code: MunicipalityCode,
    rows: u64,
    n: u64,
) -> anyhow::Result<Result<f64, String>> {
    let site: vrs::Principal = format!("site:{code}").parse()?;
    let t = Instant::now();
    let n = n.min(rows);
    for i in 0..n {
        let entry = DoseEntry {
            ocr: OcrLine::new(1, 1, code, TicketNumber::from_u64((i * 7919) % rows + 1)?)?,
            product: "comirnaty".parse()?,
            lot: "FA5765".parse()?,
            date: parse_dose_date("2021-10-01")?,
            venue: Some("集団接種会場1".parse()?),
            doctor: None,
        };
        match vrs.register_dose(site, &entry) {
            Ok(Answer::Done(Ok(_))) => {}
            Ok(other) => anyhow::bail!("registration failed: {other:?}"),
            Err(VrsError::Store(e)) => return Ok(Err(format!("not yet: {e}"))),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Ok(n as f64 / t.elapsed().as_secs_f64()))
}

/// Single inquiries: 新宿区 asks 千代田区 about `n` of its residents who
/// moved in from there (imported into 新宿区 first, untimed).
fn inquire(vrs: &mut Vrs, csv: &Path, n: u64) -> anyhow::Result<Result<f64, String>> {
    let (asking, holding): (vrs::Principal, vrs::Principal) = (
        "municipality:131041".parse()?,
        "municipality:131016".parse()?,
    );
    let holder: MunicipalityCode = "131016".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    vrs.grant_consent(asking, None, DocumentId::Terms20211203, None, Some("bench"))?;
    vrs.grant_consent(
        holding,
        None,
        DocumentId::Addendum20211203,
        None,
        Some("bench"),
    )?;
    let text = std::fs::read_to_string(csv)?;
    let mut movers = String::from(
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n",
    );
    let mut numbers = Vec::new();
    for (i, line) in text.lines().skip(1).take(n as usize).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let field = |k: usize| f.get(k).copied().unwrap_or_default();
        numbers.push(field(2).to_owned());
        movers.push_str(&format!(
            "131041,M{i:09},{},{:010},{},{},{},{},131016,2022-01-05\n",
            field(2),
            i + 1,
            field(4),
            field(5),
            field(6),
            field(7),
        ));
    }
    match vrs.import_residents(asking, movers.as_bytes(), None, false)? {
        Answer::Done(o) if o.committed => {}
        other => anyhow::bail!("movers import failed: {other:?}"),
    }
    let options = vrs::InquiryOptions {
        personal_consent: false,
        purpose: "vaccination-ticket",
        record: false,
    };
    let t = Instant::now();
    for number in &numbers {
        let n: MyNumber = number.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        match vrs.inquire(asking, holder, &n, options) {
            Ok(Answer::Done(a)) if a.found => {}
            Ok(other) => anyhow::bail!("inquiry failed: {other:?}"),
            Err(VrsError::Store(e)) => return Ok(Err(format!("not yet: {e}"))),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Ok(numbers.len() as f64 / t.elapsed().as_secs_f64()))
}
