//! Times card chain verification of the generated fixtures, in wall and on-CPU time.
//!
//! `cargo run --release -p vrs-identity --example card_batch -- [ROUNDS]`

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use vrs_identity::{CardDump, CardVerifier, TrustAnchors};

/// Nanoseconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: u32 = std::env::args()
        .nth(1)
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(5_000);
    let cards = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/cards"));
    let mut anchors = TrustAnchors::card_defaults();
    anchors.extend(TrustAnchors::from_json(&std::fs::read_to_string(
        cards.join("test-ca.json"),
    )?)?);
    let verifier = CardVerifier::new(anchors);
    for (name, what) in [
        (
            "valid-kokuto.json",
            "chain (2 RSA-2048 verifies, 2 SHA-256)",
        ),
        (
            "valid-kokuto-live.json",
            "chain + liveness (4 RSA-2048 verifies)",
        ),
    ] {
        let dump = CardDump::from_json(&std::fs::read_to_string(cards.join(name))?)?;
        verifier.verify(&dump)?;
        let cpu = thread_cpu_ns();
        let start = Instant::now();
        for _ in 0..rounds {
            black_box(verifier.verify(black_box(&dump))?);
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = thread_cpu_ns()
            .zip(cpu)
            .map(|(b, a)| (b - a) as f64 / 1e9)
            .unwrap_or(wall);
        println!(
            "{what}: {:.0}/s wall, {:.0}/s per CPU-second ({rounds} rounds)",
            f64::from(rounds) / wall,
            f64::from(rounds) / cpu
        );
    }
    Ok(())
}
