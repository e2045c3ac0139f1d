//! `cargo xtask bench apply`: full electronic-issuance applications through the
//! facade — card verification, lookup by My Number, signing, QR, history, audit.

use std::time::Instant;

use vrs::certificate::encode_shc;
use vrs::consent::DocumentId;
use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{Application, Kind, SystemClock, Vrs};

use crate::fixtures::root;

pub(crate) fn run(applications: u32) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let chiyoda = "municipality:131016".parse()?;
    vrs.grant_consent(
        chiyoda,
        None,
        DocumentId::Terms20211203,
        None,
        Some("bench"),
    )?;
    // Other residents around the card holder, so the lookup is not in an empty table.
    let mut csv = Vec::new();
    crate::population::write_population(
        "131016".parse().map_err(|e| anyhow::anyhow!("{e}"))?,
        100_000,
        1,
        &mut csv,
        false,
    )?;
    vrs.import_residents(chiyoda, csv.as_slice(), None, false)?;
    let holder = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n\
                  131016,B900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";
    vrs.import_residents(chiyoda, holder.as_bytes(), None, false)?;
    for (n, date) in [
        (1, "2021-06-01"),
        (2, "2021-06-22"),
        (3, "2022-01-10"),
        (4, "2022-07-01"),
    ] {
        let entry = DoseEntry {
            ocr: format!("1{n}1310160000900001").parse()?,
            product: "comirnaty".parse()?,
            lot: "FA5765".parse()?,
            date: parse_dose_date(date)?,
            venue: None,
            doctor: None,
        };
        vrs.register_dose("site:131016".parse()?, &entry)?;
    }
    let cards = root().join("fixtures/cards");
    let card = CardDump::from_json(&std::fs::read_to_string(
        cards.join("valid-kokuto-live.json"),
    )?)?;
    let mut anchors = TrustAnchors::card_defaults();
    anchors.extend(TrustAnchors::from_json(&std::fs::read_to_string(
        cards.join("test-ca.json"),
    )?)?);
    let verifier = CardVerifier::new(anchors).require_liveness(true);
    let app = Application {
        municipality: "131016".parse()?,
        card: &card,
        passport: None,
        kind: Kind::Domestic,
        verifier: &verifier,
    };
    // The first application creates the issuer key; it is not timed.
    vrs.apply(&app)?.map_err(|n| anyhow::anyhow!("{n:?}"))?;
    let mut latencies = Vec::with_capacity(applications as usize);
    let t = Instant::now();
    let mut version = 0;
    for _ in 0..applications {
        let one = Instant::now();
        let issued = vrs.apply(&app)?.map_err(|n| anyhow::anyhow!("{n:?}"))?;
        version = encode_shc(&issued.shc.qr_text())?.version();
        latencies.push(one.elapsed().as_secs_f64() * 1e3);
    }
    let secs = t.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    let figures = serde_json::json!({
        "applications": applications,
        "seconds": secs,
        "applications_per_second": f64::from(applications) / secs,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "doses_on_certificate": 4,
        "qr_version": version,
        "includes": "card verification with liveness (3 RSA-2048 verifies, 2 hashes), lookup by My Number among 100,001 residents, 4 doses, ES256 signing, DEFLATE, QR matrix, issuance history and audit event in one transaction (synchronous=FULL)",
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}
