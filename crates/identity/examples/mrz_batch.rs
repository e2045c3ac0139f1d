//! Reads TD3 cases from a TSV (line1, line2 first) and prints one JSON line per case,
//! then times `ROUNDS` strict parses of all of them (used by scripts/mrz-oracle.py).
//!
//! `cargo run --release -p vrs-identity --example mrz_batch -- FILE.tsv [ROUNDS]`

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use vrs_identity::mrz::{read_td3, MrzOptions};

/// Nanoseconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`),
/// so that a figure "per core" does not count time other processes took.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: mrz_batch FILE.tsv [ROUNDS]")?;
    let rounds: u32 = args
        .next()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(20_000);
    let text = std::fs::read_to_string(path)?;
    let cases: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let a = f.next().unwrap_or("").to_owned();
            (a, f.next().unwrap_or("").to_owned())
        })
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).ok_or("date")?;
    let options = MrzOptions::new(today);
    for (l1, l2) in &cases {
        let r = read_td3(l1, l2, &options);
        println!(
            "{}",
            serde_json::json!({
                "valid": r.is_valid(),
                "surname": r.surname,
                "given_names": r.given_names,
                "issuing_state": r.issuing_state,
                "nationality": r.nationality,
                "document_number": r.document_number,
                "birth_date": r.birth_date_raw,
                "expiry_date": r.expiry_date_raw,
                "sex": r.sex,
                "optional_data": r.optional_data,
                "errors": r.faults.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            })
        );
    }
    let cpu_start = thread_cpu_ns();
    let start = Instant::now();
    for _ in 0..rounds {
        for (l1, l2) in &cases {
            black_box(read_td3(black_box(l1), black_box(l2), &options));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = thread_cpu_ns()
        .zip(cpu_start)
        .map(|(b, a)| (b - a) as f64 / 1e9)
        .unwrap_or(secs);
    let parses = f64::from(rounds) * cases.len() as f64;
    println!(
        "{}",
        serde_json::json!({"timing": {
            "parses": parses,
            "wall_seconds": secs,
            "cpu_seconds": cpu_secs,
            "per_second": parses / secs,
            "per_cpu_second": parses / cpu_secs,
        }})
    );
    Ok(())
}
