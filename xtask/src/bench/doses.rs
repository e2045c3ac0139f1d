//! `cargo xtask bench doses`: bulk dose upload, single registrations and national
//! statistics on generated residents and doses consistent with them.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vrs::consent::DocumentId;
use vrs::domain::{parse_dose_date, DoseEntry, MunicipalityCode, OcrLine, TicketNumber};
use vrs::{Answer, StatQuery, SystemClock, Vrs};

/// The residence municipalities of the generated population: 千代田区, 新宿区,
/// 札幌市 and 大阪市 (the first is also the vaccinating site's municipality, so
/// three quarters of the doses are registered on another municipality's behalf).
const MUNICIPALITIES: [&str; 4] = ["131016", "131041", "011002", "271004"];
/// Products and lots of the generated doses.
const PRODUCTS: [(&str, [&str; 3]); 3] = [
    ("comirnaty", ["FA5765", "EY0779", "FF2018"]),
    ("spikevax", ["3002183", "3003726", "000084A"]),
    ("comirnaty-omicron", ["HJ8374", "HK1289", "HL0012"]),
];

/// Writes the dose file: one first dose per resident, in a shuffled-by-stride
/// order so consecutive rows hit different residents and partitions.
fn write_doses(per_municipality: u64, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(2021);
    writeln!(
        out,
        "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師"
    )?;
    let total = per_municipality * MUNICIPALITIES.len() as u64;
    // A stride coprime to the total visits every row once in a scattered order.
    let stride = (1..)
        .map(|k| 1_000_003u64 + 2 * k)
        .find(|s| gcd(*s, total) == 1)
        .unwrap_or(1);
    let start = parse_dose_date("2021-04-12")?;
    for k in 0..total {
        let j = (k * stride) % total;
        let m = MUNICIPALITIES[(j % MUNICIPALITIES.len() as u64) as usize];
        let ticket = j / MUNICIPALITIES.len() as u64 + 1;
        let (product, lots) = PRODUCTS[rng.gen_range(0..PRODUCTS.len())];
        let lot = lots[rng.gen_range(0..lots.len())];
        let date = start + chrono::Duration::days(rng.gen_range(0..400));
        writeln!(
            out,
            "11{m}{ticket:010},{product},{lot},{date},集団接種会場{},医師{}",
            rng.gen_range(1..20),
            rng.gen_range(1..50)
        )?;
    }
    Ok(())
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat).
fn thread_on_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn run(residents: u64, registrations: u64, json: Option<&Path>) -> anyhow::Result<()> {
    let per = residents / MUNICIPALITIES.len() as u64;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let t = Instant::now();
    for code in MUNICIPALITIES {
        let m = MunicipalityCode::parse_municipality(code)?;
        let who = format!("municipality:{code}").parse()?;
        let Answer::Done(_) =
            vrs.grant_consent(who, None, DocumentId::Terms20211203, None, Some("bench"))?
        else {
            anyhow::bail!("{code} could not consent")
        };
        let csv = tmp.path().join(format!("residents-{code}.csv"));
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?);
            crate::population::write_population(m, per, 1, &mut w, false)?;
            w.flush()?;
        }
        match vrs.import_residents(who, std::fs::File::open(&csv)?, None, false)? {
            Answer::Done(o) if o.committed => {}
            Answer::Done(o) => anyhow::bail!("resident import failed: {:?}", o.errors.first()),
            Answer::Refused(r) => anyhow::bail!("refused: {r}"),
        }
        std::fs::remove_file(&csv)?;
    }
    eprintln!(
        "{} residents in {} municipalities imported in {:.1?}",
        per * MUNICIPALITIES.len() as u64,
        MUNICIPALITIES.len(),
        t.elapsed()
    );

    let doses_csv = tmp.path().join("doses.csv");
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&doses_csv)?);
        write_doses(per, &mut w)?;
        w.flush()?;
    }
    let rows = per * MUNICIPALITIES.len() as u64;
    let site = "site:131016".parse()?;
    reset_peak_rss();
    let t = Instant::now();
    let (main_cpu, all_cpu) = (thread_cpu_seconds(), process_cpu_seconds());
    let answer = vrs.import_doses(site, std::fs::File::open(&doses_csv)?, None)?;
    let import_secs = t.elapsed().as_secs_f64();
    let main_cpu = thread_cpu_seconds() - main_cpu;
    let all_cpu = process_cpu_seconds() - all_cpu;
    let peak = peak_rss_kib().unwrap_or(0);
    let outcome = match answer {
        Answer::Done(o) => o,
        Answer::Refused(r) => anyhow::bail!("refused: {r}"),
    };
    anyhow::ensure!(
        outcome.committed && outcome.registered == rows,
        "dose import failed: {} errors, first {:?}",
        outcome.errors.len(),
        outcome.errors.first()
    );
    eprintln!(
        "doses import: {rows} doses in {import_secs:.2} s ({:.0} doses/s), peak RSS {peak} KiB",
        rows as f64 / import_secs
    );

    // Single registrations: a second dose for random residents, each its own
    // use case (facts + decision, resident lookup, checks, insert, audit, commit).
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut latencies = Vec::with_capacity(registrations as usize);
    let mut on_cpu = Vec::with_capacity(registrations as usize);
    let mut seen = std::collections::HashSet::new();
    while latencies.len() < registrations as usize {
        let code = MUNICIPALITIES[rng.gen_range(0..MUNICIPALITIES.len())];
        let ticket = rng.gen_range(1..=per);
        if !seen.insert((code, ticket)) {
            continue;
        }
        let entry = DoseEntry {
            ocr: OcrLine::new(
                1,
                2,
                MunicipalityCode::parse_municipality(code)?,
                TicketNumber::from_u64(ticket)?,
            )?,
            product: "comirnaty-omicron".parse()?,
            lot: "HJ8374".parse()?,
            date: parse_dose_date("2023-10-01")?,
            venue: Some("集団接種会場1".parse()?),
            doctor: None,
        };
        let (t, cpu) = (Instant::now(), thread_on_cpu_ns());
        let answer = vrs.register_dose(site, &entry)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        on_cpu.push((thread_on_cpu_ns() - cpu) as f64 / 1e6);
        match answer {
            Answer::Done(Ok(r)) if r.dose_number.get() == 2 => {}
            other => anyhow::bail!("registration failed: {other:?}"),
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    on_cpu.sort_by(|a, b| a.total_cmp(b));
    let (cpu50, cpu99) = (percentile(&on_cpu, 0.50), percentile(&on_cpu, 0.99));
    eprintln!(
        "register: {} single registrations, p50 {p50:.3} ms, p99 {p99:.3} ms (on-CPU p50 {cpu50:.3} ms, p99 {cpu99:.3} ms)",
        latencies.len()
    );

    let national = "national".parse()?;
    let mut stats = Vec::new();
    for by in [
        "",
        "municipality,dose",
        "date,vaccine",
        "municipality,dose,vaccine,age-band",
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
        let Answer::Done(s) = vrs.dose_statistics(national, &query)? else {
            anyhow::bail!("national statistics refused")
        };
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "national statistics by [{by}]: {} cells in {:.3} s",
            s.rows.len(),
            secs
        );
        stats.push(serde_json::json!({ "by": by, "cells": s.rows.len(), "seconds": secs }));
    }
    drop(vrs);
    let figures = serde_json::json!({
        "residents": rows,
        "doses": rows,
        "import_seconds": import_secs,
        "import_doses_per_second": rows as f64 / import_secs,
        "import_peak_rss_mib": peak as f64 / 1024.0,
        "import_cpu_seconds_sqlite_thread": main_cpu,
        "import_cpu_seconds_all_threads": all_cpu,
        "import_doses_per_sqlite_thread_cpu_second": rows as f64 / main_cpu,
        "register_samples": latencies.len(),
        "register_p50_ms": p50,
        "register_p99_ms": p99,
        "register_max_ms": latencies.last().copied().unwrap_or(0.0),
        "register_on_cpu_p50_ms": cpu50,
        "register_on_cpu_p99_ms": cpu99,
        "national_statistics": stats,
        "db_bytes": dir_bytes(&data),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(())
}

use super::{dir_bytes, peak_rss_kib, process_cpu_seconds, reset_peak_rss, thread_cpu_seconds};
