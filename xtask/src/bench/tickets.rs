//! `cargo xtask bench tickets`: `vrs tickets due` (L13) over a municipality of
//! 1,000,000 residents with two doses each, through the facade call the CLI makes.

use std::io::Write;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vrs::consent::DocumentId;
use vrs::domain::{parse_dose_date, DoseNumber, MunicipalityCode};
use vrs::{Answer, SystemClock, Vrs};

/// The municipality of the generated residents (札幌市).
const CODE: &str = "011002";

/// Writes dose `n` (1 or 2) for every resident: first doses spread over
/// 2021-04-12..2021-10-09, second doses 21 to 35 days later (same seed, same dates).
fn write_doses(residents: u64, n: u8, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(2021);
    writeln!(out, "OCRライン,ワクチン,ロット番号,接種日")?;
    let start = parse_dose_date("2021-04-12")?;
    for ticket in 1..=residents {
        let first = start + chrono::Duration::days(rng.gen_range(0..180));
        let gap = rng.gen_range(21..=35);
        let date = if n == 1 {
            first
        } else {
            first + chrono::Duration::days(gap)
        };
        writeln!(out, "1{n}{CODE}{ticket:010},comirnaty,FA5765,{date}")?;
    }
    Ok(())
}

pub(crate) fn run(residents: u64, on: &str, json: Option<&std::path::Path>) -> anyhow::Result<()> {
    let on = parse_dose_date(on)?;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
    let who = format!("municipality:{CODE}").parse()?;
    let Answer::Done(_) =
        vrs.grant_consent(who, None, DocumentId::Terms20211203, None, Some("bench"))?
    else {
        anyhow::bail!("{CODE} could not consent")
    };
    let t = Instant::now();
    let csv = tmp.path().join("residents.csv");
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?);
        crate::population::write_population(
            MunicipalityCode::parse_municipality(CODE)?,
            residents,
            1,
            &mut w,
            false,
        )?;
        w.flush()?;
    }
    match vrs.import_residents(who, std::fs::File::open(&csv)?, None, false)? {
        Answer::Done(o) if o.committed => {}
        other => anyhow::bail!("resident import failed: {other:?}"),
    }
    std::fs::remove_file(&csv)?;
    eprintln!("{residents} residents imported in {:.1?}", t.elapsed());
    let site = format!("site:{CODE}").parse()?;
    for n in [1, 2] {
        let t = Instant::now();
        let file = tmp.path().join(format!("doses-{n}.csv"));
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&file)?);
            write_doses(residents, n, &mut w)?;
            w.flush()?;
        }
        match vrs.import_doses(site, std::fs::File::open(&file)?, None)? {
            Answer::Done(o) if o.committed && o.registered == residents => {}
            Answer::Done(o) => anyhow::bail!("dose import failed: {:?}", o.errors.first()),
            Answer::Refused(r) => anyhow::bail!("refused: {r}"),
        }
        std::fs::remove_file(&file)?;
        eprintln!(
            "dose {n} of {residents} residents uploaded in {:.1?}",
            t.elapsed()
        );
    }

    let third = DoseNumber::new(3)?;
    let mut runs = Vec::new();
    let mut cpu = Vec::new();
    let mut due = 0;
    for _ in 0..5 {
        let (t, c) = (Instant::now(), super::thread_cpu_seconds());
        let answer = vrs.tickets_due(who, third, on)?;
        runs.push(t.elapsed().as_secs_f64());
        cpu.push(super::thread_cpu_seconds() - c);
        due = match answer {
            Answer::Done(list) => list.len(),
            Answer::Refused(r) => anyhow::bail!("refused: {r}"),
        };
    }
    let mut sorted = runs.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    cpu.sort_by(|a, b| a.total_cmp(b));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let figures = serde_json::json!({
        "residents": residents,
        "doses_held": residents * 2,
        "dose": 3,
        "on": on,
        "due": due,
        "seconds_each_run": runs,
        "seconds_best": sorted[0],
        "seconds_median": sorted[sorted.len() / 2],
        "cpu_seconds_best": cpu[0],
        "cpu_seconds_median": cpu[cpu.len() / 2],
        "target_seconds": 2.0,
        "met": sorted[sorted.len() / 2] < 2.0,
        "load_average": load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(())
}
