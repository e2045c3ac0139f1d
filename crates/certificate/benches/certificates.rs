//! Certificate benchmarks: issue (sign + encode, no image), QR matrix of a 4-dose card,
//! verify, and the QR crate comparison on the same text: vrs's bit-packed mask selection,
//! qrcodegen with a fixed mask and with its own selection, qrcode, fast_qr.
//!
//! `cargo bench -p vrs-certificate --bench certificates`

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vrs_certificate::{
    encode_shc, issue, verify_text, IssueOptions, Issuer, IssuerKey, Jwks, RevocationSecret,
    TrustList,
};
use vrs_domain::{
    CertificateContent, CertificateDose, CertificateId, CertificateKind, CertificateParts,
    DoseNumber,
};

fn four_dose() -> CertificateContent {
    let dose = |date: &str, product: &str, lot: &str, n: u8| CertificateDose {
        date: date.parse().unwrap(),
        site: None,
        product: product.parse().unwrap(),
        lot: lot.parse().unwrap(),
        dose_number: DoseNumber::new(n).unwrap(),
    };
    CertificateContent::new(CertificateParts {
        kind: CertificateKind::Domestic,
        name: "山田　花子".parse().unwrap(),
        birth_date: "1980-02-17".parse().unwrap(),
        doses: vec![
            dose("2021-06-01", "comirnaty", "FA5765", 1),
            dose("2021-06-22", "comirnaty", "FC3661", 2),
            dose("2022-01-20", "spikevax-booster", "3005236", 3),
            dose("2022-11-01", "comirnaty-bivalent", "GK2936", 4),
        ],
        issuer: "131016".parse().unwrap(),
        id: CertificateId::from_random_bytes([0x5a; 16]),
        issued_on: "2023-01-10".parse().unwrap(),
    })
    .unwrap()
}

/// CPU time this thread has spent on a CPU, from /proc/thread-self/schedstat (ns), if any.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `f` `iters` times and prints wall and on-CPU time per call. On a shared, loaded VM the
/// on-CPU figure is the per-core capacity; the wall figure (and criterion's) is a lower bound.
fn per_core<T>(name: &str, iters: u32, mut f: impl FnMut() -> T) {
    for _ in 0..iters / 10 {
        black_box(f());
    }
    let cpu0 = thread_cpu_ns();
    let wall = std::time::Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    let wall_ns = wall.elapsed().as_nanos() as f64 / f64::from(iters);
    match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => {
            let cpu_ns = (b - a) as f64 / f64::from(iters);
            eprintln!(
                "per-core {name}: {:.1} µs on-CPU/op = {:.0}/s per core (wall {:.1} µs/op = {:.0}/s)",
                cpu_ns / 1e3,
                1e9 / cpu_ns,
                wall_ns / 1e3,
                1e9 / wall_ns
            );
        }
        _ => eprintln!(
            "per-core {name}: wall {:.1} µs/op = {:.0}/s",
            wall_ns / 1e3,
            1e9 / wall_ns
        ),
    }
}

fn benches(c: &mut Criterion) {
    let content = four_dose();
    let key = IssuerKey::generate().unwrap();
    let iss = Issuer::new("https://vrs.example.jp/issuer", content.issuer()).unwrap();
    let rid = RevocationSecret::from_bytes([1; 32]).rid(&"A900000001".parse().unwrap());
    let opts = IssueOptions {
        issuer: &iss,
        nbf: 1_673_308_800,
        exp: None,
        rid: Some(&rid),
    };
    let card = issue(&content, &key, &opts).unwrap();
    let text = card.qr_text();
    let qr = encode_shc(&text).unwrap();
    eprintln!(
        "4-dose card: JWS {} chars, QR text {} chars, QR version {} EC {}",
        card.jws().len(),
        text.len(),
        qr.version(),
        qr.ec_level().as_str()
    );
    let mut trust = TrustList::japan();
    trust.add_jwks(
        iss.clone(),
        Jwks {
            keys: vec![key.public_jwk()],
        },
    );

    per_core("issue (sign + encode, no image)", 20_000, || {
        issue(&content, &key, &opts).unwrap().qr_text()
    });
    per_core("QR matrix, 4-dose card", 2_000, || {
        encode_shc(&text).unwrap()
    });
    per_core("verify, 4-dose card QR text", 10_000, || {
        verify_text(&text, &trust, 1_700_000_000.0).unwrap()
    });
    // The floors: ring's ES256 alone, on the same signing input.
    let (signed, sig64) = card.jws().rsplit_once('.').unwrap();
    let b64 = |s: &str| {
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s).unwrap()
    };
    let sig = b64(sig64);
    let jwk = key.public_jwk();
    let point = [vec![4], b64(&jwk.x), b64(&jwk.y)].concat();
    let public =
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point);
    per_core("ring ES256 verify alone", 10_000, || {
        public.verify(signed.as_bytes(), &sig).unwrap()
    });
    let rng = ring::rand::SystemRandom::new();
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        key.to_pkcs8(),
        &rng,
    )
    .unwrap();
    per_core("ring ES256 sign alone", 10_000, || {
        pair.sign(&rng, signed.as_bytes()).unwrap()
    });

    c.bench_function("issue_4_dose_sign_and_encode", |b| {
        b.iter(|| {
            let card = issue(black_box(&content), &key, &opts).unwrap();
            black_box(card.qr_text())
        })
    });
    c.bench_function("qr_matrix_4_dose", |b| {
        b.iter(|| black_box(encode_shc(black_box(&text)).unwrap()))
    });
    c.bench_function("verify_4_dose_qr_text", |b| {
        b.iter(|| black_box(verify_text(black_box(&text), &trust, 1_700_000_000.0).unwrap()))
    });

    let mut g = c.benchmark_group("qr_crates");
    // The same segments, version and level (qrcodegen picks version 22 at M for this card):
    // vrs's conforming selection, one fixed mask, and qrcodegen's own module-by-module scoring.
    let ecl = match qr.ec_level() {
        vrs_certificate::EcLevel::L => qrcodegen::QrCodeEcc::Low,
        vrs_certificate::EcLevel::M => qrcodegen::QrCodeEcc::Medium,
        vrs_certificate::EcLevel::Q => qrcodegen::QrCodeEcc::Quartile,
        vrs_certificate::EcLevel::H => qrcodegen::QrCodeEcc::High,
    };
    let digits = text.strip_prefix("shc:/").unwrap().to_owned();
    let qrcodegen_with = |mask: Option<qrcodegen::Mask>| {
        let segs = [
            qrcodegen::QrSegment::make_bytes(b"shc:/"),
            qrcodegen::QrSegment::make_numeric(&digits),
        ];
        qrcodegen::QrCode::encode_segments_advanced(
            &segs,
            ecl,
            qrcodegen::Version::MIN,
            qrcodegen::Version::new(22),
            mask,
            false,
        )
        .unwrap()
    };
    g.bench_function("vrs_encode_shc_scored_bitpacked", |b| {
        b.iter(|| black_box(encode_shc(black_box(&text)).unwrap()))
    });
    g.bench_function("qrcodegen_segments_fixed_mask", |b| {
        b.iter(|| black_box(qrcodegen_with(Some(qrcodegen::Mask::new(1)))))
    });
    g.bench_function("qrcodegen_segments_scored_mask", |b| {
        b.iter(|| black_box(qrcodegen_with(None)))
    });
    g.bench_function("qrcode_auto_segments_ec_l", |b| {
        b.iter(|| {
            black_box(
                qrcode::QrCode::with_error_correction_level(
                    black_box(text.as_bytes()),
                    qrcode::EcLevel::L,
                )
                .unwrap(),
            )
        })
    });
    g.bench_function("qrcode_auto_segments_ec_m", |b| {
        b.iter(|| {
            black_box(
                qrcode::QrCode::with_error_correction_level(
                    black_box(text.as_bytes()),
                    qrcode::EcLevel::M,
                )
                .unwrap(),
            )
        })
    });
    g.bench_function("fast_qr_byte_mode_ec_l", |b| {
        b.iter(|| {
            black_box(
                fast_qr::QRBuilder::new(black_box(text.as_bytes()))
                    .ecl(fast_qr::ECL::L)
                    .build()
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(certificates, benches);
criterion_main!(certificates);
