//! `cargo xtask bench import`: resident import throughput on a generated file,
//! through the same facade call the CLI makes, against sqlite3's `.import`.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use vrs::{Answer, SystemClock, Vrs};
use vrs_domain::MunicipalityCode;

mod apply;
mod doses;
mod load;
mod national;
mod screens;
mod serve;
mod storage;
mod storage_doses;
mod tickets;

#[derive(clap::Subcommand)]
pub(crate) enum Bench {
    /// Import N generated residents (default 1,000,000) and report rows/s,
    /// peak RSS, database bytes per resident and the ratio to sqlite3 `.import`.
    Import {
        /// Rows to generate and import.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Municipality of the generated residents.
        #[arg(long, default_value = "131016")]
        municipality: String,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
    },
    /// Import N residents (default 1,000,000) and one dose each through the bulk
    /// upload, then time single registrations and national statistics.
    Doses {
        /// Residents (and doses) to generate, spread over four municipalities.
        #[arg(long, default_value_t = 1_000_000)]
        residents: u64,
        /// Single registrations to time.
        #[arg(long, default_value_t = 2_000)]
        registrations: u64,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
    },
    /// `vrs tickets due --dose 3` (L13) over RESIDENTS residents of one municipality
    /// with two doses each (issue 15's figure: < 2 s for 1,000,000).
    Tickets {
        /// Residents to generate (each gets dose 1 and dose 2 through bulk uploads).
        #[arg(long, default_value_t = 1_000_000)]
        residents: u64,
        /// The sending day asked for.
        #[arg(long, default_value = "2022-03-01")]
        on: String,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
    },
    /// Every staff page of `vrs serve` over RESIDENTS residents: p50/p99 latency
    /// (one request at a time on loopback) and size; targets p99 < 50 ms, ≤ 200 KB.
    Screens {
        /// Residents of 131016 to generate.
        #[arg(long, default_value_t = 1_000_000)]
        residents: u64,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        requests: u32,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
    },
    /// Full electronic-issuance applications through the facade (issue 7's figure).
    Apply {
        /// How many applications to time.
        #[arg(long, default_value_t = 2_000)]
        applications: u32,
    },
    /// Dose registration over HTTPS against `vrs serve` (wrk from a second process,
    /// keep-alive, synchronous=FULL; then a fixed offered rate with latency corrected
    /// for coordinated omission) and in process through SharedVrs; app applications
    /// over HTTPS beside `Vrs::apply` in process.
    Serve {
        /// wrk connections.
        #[arg(long, default_value_t = 256)]
        connections: u32,
        /// Seconds of each HTTPS phase.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Registrations timed in process (SharedVrs, 64 threads).
        #[arg(long, default_value_t = 20_000)]
        in_process: u64,
        /// Offered registrations per second of the fixed-rate phase (0: skip).
        #[arg(long, default_value_t = 5_000)]
        rate: u32,
        /// Persistent HTTPS connections of the fixed-rate generator, all opened
        /// before its clock starts.
        #[arg(long, default_value_t = 128)]
        fixed_connections: usize,
        /// App clients applying at once (0: skip the app phase).
        #[arg(long, default_value_t = 16)]
        app_workers: usize,
        /// Applications timed in process through `Vrs::apply`.
        #[arg(long, default_value_t = 500)]
        in_process_apply: u32,
    },
    /// Both storage backends side by side in one run (issue 12): resident import
    /// (PostgreSQL through COPY), lookups, a count, and what each does not serve yet.
    Storage {
        /// Residents to generate and import into each backend.
        #[arg(long, default_value_t = 200_000)]
        rows: u64,
        /// Audited lookups by address number to time.
        #[arg(long, default_value_t = 5_000)]
        lookups: u64,
        /// The PostgreSQL server (a schema of its own is made and dropped).
        #[arg(long, env = "VRS_TEST_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
    },
    /// Residents over every municipality (issue 12's national run): import time,
    /// bytes per resident, lookups/s and the extrapolation to 126 M.
    National {
        /// Residents in all, spread evenly over the municipalities.
        #[arg(long, default_value_t = 1_000_000)]
        residents: u64,
        /// Doses in all, spread as the residents (each municipality's dose file).
        #[arg(long, default_value_t = 1_000_000)]
        doses: u64,
        /// Audited lookups to time, over every municipality.
        #[arg(long, default_value_t = 5_000)]
        lookups: u64,
        /// The PostgreSQL server (a schema of its own is made and dropped).
        #[arg(long, env = "VRS_TEST_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
        /// Skip the SQLite run.
        #[arg(long)]
        no_sqlite: bool,
        /// Write the figures as JSON to this file too.
        #[arg(long)]
        json: Option<std::path::PathBuf>,
        /// Stop loading doses once their import has taken this many seconds
        /// (the figures say how many were loaded).
        #[arg(long)]
        dose_budget_secs: Option<f64>,
    },
    /// Batch inquiry: ASKS My Numbers (every tenth unknown to the holder)
    /// against a holder of HOLDER_ROWS residents, through the facade.
    Inquiry {
        /// Residents of the holding municipality.
        #[arg(long, default_value_t = 1_000_000)]
        holder_rows: u64,
        /// My Numbers in the batch.
        #[arg(long, default_value_t = 100_000)]
        asks: u64,
    },
}

/// Benchmarks must run optimised: a debug xtask re-runs itself with `--release`.
fn ensure_release() -> anyhow::Result<bool> {
    if !cfg!(debug_assertions) {
        return Ok(false);
    }
    eprintln!("(re-running optimised: cargo run --release -p xtask -- ...)");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["run", "--quiet", "--release", "-p", "xtask", "--"])
            .args(&args)
            .status()?;
    anyhow::ensure!(status.success(), "optimised run failed");
    Ok(true)
}

/// Peak resident set size of this process so far, in KiB (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds (user + system) used so far by the calling thread (Linux).
fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds (user + system) used so far by the whole process (Linux).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Resets the peak RSS counter (Linux: writing 5 to clear_refs), so the figure
/// covers the import only, not the file generation before it.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub(crate) fn run(bench: Bench) -> anyhow::Result<()> {
    if ensure_release()? {
        return Ok(());
    }
    match bench {
        Bench::Import {
            rows,
            municipality,
            json,
        } => import(rows, &municipality, json.as_deref()),
        Bench::Doses {
            residents,
            registrations,
            json,
        } => doses::run(residents, registrations, json.as_deref()),
        Bench::Inquiry { holder_rows, asks } => inquiry(holder_rows, asks),
        Bench::National {
            residents,
            doses,
            lookups,
            database,
            no_sqlite,
            json,
            dose_budget_secs,
        } => national::run(national::Options {
            dose_budget_secs,
            residents,
            doses,
            lookups,
            database: database.as_deref(),
            sqlite: !no_sqlite,
            json: json.as_deref(),
        }),
        Bench::Storage {
            rows,
            lookups,
            database,
            json,
        } => storage::run(rows, lookups, database.as_deref(), json.as_deref()),
        Bench::Apply { applications } => apply::run(applications),
        Bench::Screens {
            residents,
            requests,
            json,
        } => screens::run(residents, requests, json.as_deref()),
        Bench::Serve {
            connections,
            seconds,
            in_process,
            rate,
            fixed_connections,
            app_workers,
            in_process_apply,
        } => serve::run(serve::Options {
            connections,
            seconds,
            in_process,
            rate,
            fixed_connections,
            app_workers,
            in_process_apply,
        }),
        Bench::Tickets {
            residents,
            on,
            json,
        } => tickets::run(residents, &on, json.as_deref()),
    }
}

fn import(rows: u64, municipality: &str, json: Option<&Path>) -> anyhow::Result<()> {
    let code = MunicipalityCode::parse_municipality(municipality)
        .map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("residents.csv");
    let t = Instant::now();
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?);
        crate::population::write_population(code, rows, 1, &mut w, false)?;
        std::io::Write::flush(&mut w)?;
    }
    let csv_bytes = std::fs::metadata(&csv)?.len();
    eprintln!(
        "generated {rows} rows ({csv_bytes} bytes) in {:.2?}",
        t.elapsed()
    );

    // Stage 1 alone, on one thread: read, parse into domain values, seal and index.
    let keys = vrs_store::Keyring::from_keys([1; 32], [2; 32], [3; 32])?;
    let t = Instant::now();
    let mut file =
        vrs_domain::resident_file::ResidentFile::open(std::fs::File::open(&csv)?, None, code)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut parsed = 0u64;
    while let Some((_, row)) = file.next_row() {
        let r = row.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        std::hint::black_box((
            keys.blind_index(&r.my_number, code)?,
            keys.seal(&r.my_number, code)?,
        ));
        parsed += 1;
    }
    let parse_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "parse + seal only: {parsed} rows in {parse_secs:.2} s ({:.0} rows/s)",
        parsed as f64 / parse_secs
    );

    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let principal = format!("municipality:{code}").parse()?;
    // T1-2-3: the municipality consents before it may use VRS.
    vrs.grant_consent(
        principal,
        None,
        vrs::consent::DocumentId::Terms20211203,
        None,
        Some("bench"),
    )?;
    reset_peak_rss();
    let rss_before = peak_rss_kib().unwrap_or(0);
    let t = Instant::now();
    let (main_cpu, all_cpu) = (thread_cpu_seconds(), process_cpu_seconds());
    let file = std::fs::File::open(&csv)?;
    let answer = vrs.import_residents(principal, file, None, false)?;
    let secs = t.elapsed().as_secs_f64();
    let main_cpu = thread_cpu_seconds() - main_cpu;
    let all_cpu = process_cpu_seconds() - all_cpu;
    let peak = peak_rss_kib().unwrap_or(0);
    let outcome = match answer {
        Answer::Done(o) => o,
        Answer::Refused(r) => anyhow::bail!("refused: {r}"),
    };
    anyhow::ensure!(
        outcome.errors.is_empty() && outcome.imported == rows,
        "import failed: {} errors, first {:?}",
        outcome.errors.len(),
        outcome.errors.first()
    );
    drop(vrs);
    let db_bytes = dir_bytes(&data);

    // The same file into a plain table with the sqlite3 shell.
    let plain = tmp.path().join("plain.sqlite");
    let t = Instant::now();
    eprintln!(
        "vrs import: {rows} rows in {secs:.2} s ({:.0} rows/s), peak RSS {} KiB",
        rows as f64 / secs,
        peak
    );
    let status = std::process::Command::new("sqlite3")
        .args(["-cmd", ".mode csv"])
        .arg(&plain)
        .arg(format!(".import {} residents", csv.display()))
        .status()
        .context("running sqlite3 (apt-get install sqlite3)")?;
    let sqlite_secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(status.success(), "sqlite3 .import failed");
    let plain_bytes = std::fs::metadata(&plain)?.len();

    let figures = serde_json::json!({
        "rows": rows,
        "seconds": secs,
        "rows_per_second": rows as f64 / secs,
        "parse_and_seal_only_rows_per_second": rows as f64 / parse_secs,
        "peak_rss_mib": peak as f64 / 1024.0,
        "cpu_seconds_sqlite_thread": main_cpu,
        "cpu_seconds_all_threads": all_cpu,
        "rows_per_sqlite_thread_cpu_second": rows as f64 / main_cpu,
        "rss_at_start_mib": rss_before as f64 / 1024.0,
        "db_bytes": db_bytes,
        "db_bytes_per_resident": db_bytes as f64 / rows as f64,
        "csv_bytes": csv_bytes,
        "sqlite3_import_seconds": sqlite_secs,
        "sqlite3_rows_per_second": rows as f64 / sqlite_secs,
        "sqlite3_plain_bytes_per_row": plain_bytes as f64 / rows as f64,
        "ratio_vrs_time_to_sqlite3_time": secs / sqlite_secs,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(())
}

fn inquiry(holder_rows: u64, asks: u64) -> anyhow::Result<()> {
    use vrs::consent::DocumentId;
    let holder: MunicipalityCode = "011002".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let tmp = tempfile::tempdir()?;
    let csv = tmp.path().join("holder.csv");
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?);
        crate::population::write_population(holder, holder_rows, 1, &mut w, false)?;
        std::io::Write::flush(&mut w)?;
    }
    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let (asking, holding) = (
        "municipality:131016".parse()?,
        "municipality:011002".parse()?,
    );
    for (who, doc) in [
        (asking, DocumentId::Terms20211203),
        (holding, DocumentId::Terms20211203),
        (holding, DocumentId::Addendum20211203),
    ] {
        vrs.grant_consent(who, None, doc, None, Some("bench"))?;
    }
    let t = Instant::now();
    match vrs.import_residents(holding, std::fs::File::open(&csv)?, None, false)? {
        Answer::Done(o) if o.committed => {}
        other => anyhow::bail!("holder import failed: {other:?}"),
    }
    eprintln!(
        "holder: {holder_rows} residents imported in {:.1?}",
        t.elapsed()
    );

    // The batch: numbers taken from the holder's file, every tenth replaced by one it does not hold.
    // Each asked person moved in to the asking municipality (an inquiry is only about its residents, M-8).
    let text = std::fs::read_to_string(&csv)?;
    let mut batch = String::from("個人番号\n");
    let mut movers = String::from(
        "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n",
    );
    for (i, line) in text.lines().skip(1).take(asks as usize).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let held = f.get(2).copied().unwrap_or_default().to_owned();
        let number = if i % 10 == 9 {
            crate::population::my_number(7, i as u64)
        } else {
            held
        };
        batch.push_str(&number);
        batch.push('\n');
        movers.push_str(&format!(
            "131016,M{i:09},{number},{:010},{},{},{},{},011002,2022-01-05\n",
            i + 1,
            f.get(4).copied().unwrap_or_default(),
            f.get(5).copied().unwrap_or_default(),
            f.get(6).copied().unwrap_or_default(),
            f.get(7).copied().unwrap_or_default(),
        ));
    }
    match vrs.import_residents(asking, movers.as_bytes(), None, false)? {
        Answer::Done(o) if o.committed => {}
        other => anyhow::bail!("movers import failed: {other:?}"),
    }
    let t = Instant::now();
    let options = vrs::InquiryOptions {
        personal_consent: false,
        purpose: "vaccination-ticket",
        record: false,
    };
    let answer = vrs.inquire_batch(asking, holder, batch.as_bytes(), options)?;
    let secs = t.elapsed().as_secs_f64();
    let found = match answer {
        Answer::Done(vrs::BatchInquiry::Answered(a)) => a.iter().filter(|(_, a)| a.found).count(),
        other => anyhow::bail!("batch inquiry failed: {other:?}"),
    };
    let figures = serde_json::json!({
        "holder_residents": holder_rows,
        "asked": asks,
        "found": found,
        "seconds": secs,
        "lookups_per_second": asks as f64 / secs,
        "audit_events_written": asks + 1,
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}
