//! Criterion benchmarks: card chain verification and MRZ parsing (figures in docs/PERFORMANCE.md).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::path::Path;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vrs_identity::mrz::{read_td3, MrzOptions};
use vrs_identity::{CardDump, CardVerifier, TrustAnchors};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

fn load(name: &str) -> CardDump {
    let json = std::fs::read_to_string(fixtures().join("cards").join(name)).expect("fixture");
    CardDump::from_json(&json).expect("dump")
}

fn card(c: &mut Criterion) {
    let mut anchors = TrustAnchors::card_defaults();
    let ca = std::fs::read_to_string(fixtures().join("cards/test-ca.json")).expect("test ca");
    anchors.extend(TrustAnchors::from_json(&ca).expect("anchors"));
    let verifier = CardVerifier::new(anchors);
    let plain = load("valid-kokuto.json");
    let live = load("valid-kokuto-live.json");
    let mut g = c.benchmark_group("card");
    g.throughput(Throughput::Elements(1));
    // Two RSA-2048 verifies (EF 0004, EF 0003) and two SHA-256 hashes.
    g.bench_function("verify_chain", |b| {
        b.iter(|| verifier.verify(black_box(&plain)).expect("valid"))
    });
    // Plus EF 0007's certificate and the nonce signature: four RSA verifies.
    g.bench_function("verify_chain_and_liveness", |b| {
        b.iter(|| verifier.verify(black_box(&live)).expect("valid"))
    });
    g.finish();
}

fn mrz(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let strict = MrzOptions::new(today);
    let text =
        std::fs::read_to_string(fixtures().join("vectors/mrz/public-cases.tsv")).expect("tsv");
    let cases: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap_or("").to_owned(),
                f.next().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("mrz");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_specimen", |b| {
        b.iter(|| {
            read_td3(
                black_box("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"),
                black_box("L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
                &strict,
            )
        })
    });
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("parse_public_cases", |b| {
        b.iter(|| {
            for (l1, l2) in &cases {
                black_box(read_td3(l1, l2, &strict));
            }
        })
    });
    let repair = strict.repair(true);
    g.throughput(Throughput::Elements(1));
    g.bench_function("repair_ocr_o01", |b| {
        b.iter(|| {
            read_td3(
                black_box("P<UT0ERIK55ON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<"),
                black_box("L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O"),
                &repair,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, card, mrz);
criterion_main!(benches);
