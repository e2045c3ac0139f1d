//! `cargo xtask bench serve`: dose registration over HTTPS (keep-alive, durable
//! `synchronous=FULL`) against a real `vrs serve` child process, loaded by
//! Debian's `wrk` from a second process (throughput at N connections) and by
//! this process's fixed-rate generator (latency at an offered rate, corrected
//! for coordinated omission), beside the same registrations in process through
//! `vrs::SharedVrs`; then app applications over HTTPS (challenge, nonce signed
//! by the test card, application) beside `Vrs::apply` in process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use vrs::consent::DocumentId;
use vrs::domain::{DoseEntry, MyNumber};
use vrs::identity::card::mint::{CardSpec, TestCardIssuer};
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{Answer, Application, Kind, SharedVrs, SystemClock, Vrs};

use super::load;
use crate::fixtures::root;

/// Resident rows: `131016,A{i},MYNUMBER,{i:010},…`.
fn residents(n: u64) -> String {
    let mut s =
        String::from("自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n");
    for i in 1..=n {
        let mut digits = format!("{:011}", 10_000_000_000 + i * 7).into_bytes();
        let check = MyNumber::check_digit(&digits);
        digits.push(b'0' + check);
        let my_number = String::from_utf8(digits).unwrap_or_default();
        s.push_str(&format!(
            "131016,A{i},{my_number},{i:010},山田\u{3000}太郎,ヤマダ\u{3000}タロウ,1980-02-17,1\n"
        ));
    }
    s
}

fn entry(ticket: u64) -> anyhow::Result<DoseEntry> {
    Ok(DoseEntry {
        ocr: format!("11131016{ticket:010}").parse()?,
        product: "comirnaty".parse()?,
        lot: "FA5765".parse()?,
        date: vrs::domain::parse_dose_date("2021-06-01")?,
        venue: None,
        doctor: None,
    })
}

/// What `cargo xtask bench serve` is asked to run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// wrk connections (throughput phase).
    pub(crate) connections: u32,
    /// Seconds of each HTTPS phase.
    pub(crate) seconds: u32,
    /// Registrations timed in process (SharedVrs, 64 threads).
    pub(crate) in_process: u64,
    /// Offered registrations per second of the fixed-rate phase (0: skip it).
    pub(crate) rate: u32,
    /// Persistent connections of the fixed-rate generator.
    pub(crate) fixed_connections: usize,
    /// App clients applying at once (0: skip the app phase).
    pub(crate) app_workers: usize,
    /// Applications timed in process through `Vrs::apply`.
    pub(crate) in_process_apply: u32,
}

/// The test card holder's resident row (ticket far beyond the generated ones).
const KOKUTO: &str =
    "131016,B900000001,537686677188,9000000001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";

fn kokuto() -> anyhow::Result<CardSpec> {
    Ok(CardSpec {
        my_number: "537686677188".parse()?,
        name: "黒桐\u{3000}幹也".parse()?,
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse()?,
        sex: vrs::domain::Sex::Male,
    })
}

/// Applications per second of `Vrs::apply` in process (the app API's baseline).
fn apply_in_process(data: &Path, applications: u32) -> anyhow::Result<f64> {
    let mut vrs = Vrs::open(data, Box::new(SystemClock))?;
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
    let t = Instant::now();
    for _ in 0..applications {
        vrs.apply(&app)?.map_err(|n| anyhow::anyhow!("{n:?}"))?;
    }
    Ok(f64::from(applications) / t.elapsed().as_secs_f64())
}

/// Runs the bench.
pub(crate) fn run(o: Options) -> anyhow::Result<()> {
    if super::ensure_release()? {
        return Ok(());
    }
    let has_wrk = Command::new("wrk").arg("--version").output().is_ok();
    if !has_wrk {
        eprintln!("wrk is not installed (apt-get install wrk): skipping the throughput phase");
    }
    // `XTASK_VRS_BIN`: serve with that `vrs` binary (a baseline side by side)
    // instead of building this tree's.
    let bin = match std::env::var_os("XTASK_VRS_BIN") {
        Some(bin) => std::path::PathBuf::from(bin),
        None => {
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--quiet", "--release", "-p", "vrs-cli"])
                .status()?;
            anyhow::ensure!(status.success(), "building vrs failed");
            root().join("target/release/vrs")
        }
    };
    eprintln!("serving with {}", bin.display());
    let seconds = o.seconds;

    // Enough residents for every request: wrk at up to 20,000/s, the fixed
    // rate, and the in-process registrations.
    let http_tickets = if has_wrk {
        u64::from(seconds) * 20_000
    } else {
        0
    };
    let rate_tickets = u64::from(o.rate) * u64::from(seconds);
    let total = http_tickets + rate_tickets + o.in_process;
    anyhow::ensure!(total < 9_000_000_000, "too many residents");
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    Vrs::init(&data, None, &SystemClock)?;
    let token = {
        let mut vrs = Vrs::open(&data, Box::new(SystemClock))?;
        let chiyoda = "municipality:131016".parse()?;
        let Answer::Done(_) = vrs.grant_consent(
            chiyoda,
            None,
            DocumentId::Terms20211203,
            None,
            Some("bench"),
        )?
        else {
            bail!("consent refused")
        };
        eprintln!("importing {total} residents …");
        let mut rows = residents(total);
        rows.push_str(KOKUTO);
        let Answer::Done(o) = vrs.import_residents(chiyoda, rows.as_bytes(), None, false)? else {
            bail!("import refused")
        };
        anyhow::ensure!(o.committed, "import failed: {:?}", o.errors.first());
        for (n, date) in [(1, "2021-06-01"), (2, "2021-06-22"), (3, "2022-01-10")] {
            let entry = DoseEntry {
                ocr: format!("1{n}1310169000000001").parse()?,
                product: "comirnaty".parse()?,
                lot: "FA5765".parse()?,
                date: vrs::domain::parse_dose_date(date)?,
                venue: None,
                doctor: None,
            };
            let r = vrs.register_dose("site:131016".parse()?, &entry)?;
            anyhow::ensure!(
                matches!(r, Answer::Done(Ok(_))),
                "the card holder's dose: {r:?}"
            );
        }
        let Answer::Done(device) = vrs.add_device(chiyoda, "131016".parse()?, "bench tablet")?
        else {
            bail!("device refused")
        };
        device.token
    };

    // In process: the same registrations through SharedVrs from 64 threads.
    let shared = SharedVrs::spawn(Vrs::open(&data, Box::new(SystemClock))?);
    let site: vrs::Principal = "site:131016".parse()?;
    let started = Instant::now();
    let per = o.in_process / 64;
    let base_ticket = http_tickets + rate_tickets;
    let threads: Vec<_> = (0..64u64)
        .map(|t| {
            let shared = shared.clone();
            std::thread::spawn(move || -> anyhow::Result<()> {
                for i in 0..per {
                    let e = entry(base_ticket + t * per + i + 1)?;
                    let r = shared.run_blocking(move |vrs| vrs.register_dose(site, &e))?;
                    anyhow::ensure!(matches!(r, Answer::Done(Ok(_))), "in-process: {r:?}");
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a thread panicked"))??;
    }
    let in_process_rate = (per * 64) as f64 / started.elapsed().as_secs_f64();
    shared.close();
    let apply_rate = if o.app_workers > 0 {
        eprintln!("timing {} applications in process …", o.in_process_apply);
        apply_in_process(&data, o.in_process_apply)?
    } else {
        f64::NAN
    };

    // Over HTTPS: vrs serve as a child process; load from wrk and from this process.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let cert_pem = cert.cert.pem();
    std::fs::write(tmp.path().join("cert.pem"), &cert_pem)?;
    std::fs::write(tmp.path().join("key.pem"), cert.key_pair.serialize_pem())?;
    let mut server = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(tmp.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(tmp.path().join("key.pem"))
        .arg("--card-ca-keys")
        .arg(root().join("fixtures/cards/test-ca.json"))
        // Raised for the bench: every application comes from 127.0.0.1.
        .args(["--app-rate", "100000000"])
        .env("VRS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting vrs serve")?;
    let mut stderr = BufReader::new(server.stderr.take().context("no stderr")?);
    let mut line = String::new();
    let addr = loop {
        line.clear();
        anyhow::ensure!(stderr.read_line(&mut line)? > 0, "vrs serve said nothing");
        if let Some(a) = line.trim().strip_prefix("vrs serve: listening on https://") {
            break a.to_owned();
        }
    };
    let port: u16 = addr.rsplit(':').next().unwrap_or_default().parse()?;
    let loadavg = |when: &str| {
        let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        serde_json::json!({ "when": when, "loadavg": l.trim() })
    };
    let mut loads = vec![loadavg("before the HTTPS phases")];

    let wrk = if has_wrk {
        let w = wrk(&tmp, port, &token, http_tickets, o.connections, seconds)?;
        loads.push(loadavg("after wrk"));
        Some(w)
    } else {
        None
    };

    // The fixed rate on one tokio thread, leaving the server the rest of the cores.
    let fixed = if o.rate > 0 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let target =
            load::fixed::Target::new(&cert_pem, ([127, 0, 0, 1], port).into(), "localhost")?;
        let plan = load::fixed::Plan {
            rate: o.rate,
            seconds,
            connections: o.fixed_connections,
            expect: 201,
            timeout: std::time::Duration::from_secs(60),
        };
        let f = runtime.block_on(load::fixed::fixed_rate(
            &target,
            plan,
            register(&token, http_tickets)?,
        ))?;
        loads.push(loadavg("after the fixed rate"));
        Some(f)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = load::client(&cert_pem, port)?;
    let base = format!("https://localhost:{port}");
    let app = if o.app_workers > 0 {
        let issuer = Arc::new(TestCardIssuer::from_fixture_dir(
            &root().join("fixtures/cards"),
        )?);
        let card = issuer.mint(&kokuto()?);
        let f = runtime.block_on(load::app_closed_loop(
            client,
            base,
            issuer,
            card,
            o.app_workers,
            seconds,
        ))?;
        loads.push(loadavg("after the app phase"));
        Some(f)
    } else {
        None
    };
    drop(runtime);

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopped = server.wait()?;
    let verified = {
        let vrs = Vrs::open(&data, Box::new(SystemClock))?;
        vrs.audit_verify()?.valid
    };
    let ratio = |a: f64, b: f64| (a / b * 100.0).round() / 100.0;
    let mut report = serde_json::json!({
        "seconds_per_phase": seconds,
        "in_process_shared_vrs_registrations_per_s": in_process_rate.round(),
        "server_exit_on_sigterm": stopped.code(),
        "audit_chain_valid": verified,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "load": loads,
    });
    if let Some((rate, non_2xx)) = wrk {
        report["wrk"] = serde_json::json!({
            "connections": o.connections,
            "https_registrations_per_s": rate.round(),
            "non_2xx": non_2xx,
            "http_to_in_process": ratio(rate, in_process_rate),
        });
    }
    if let Some(f) = &fixed {
        let mut j = f.json();
        j["offered_per_s"] = o.rate.into();
        j["latency_from"] = "each request's due time (coordinated omission corrected)".into();
        j["http_to_in_process"] = ratio(f.figures.rate(), in_process_rate).into();
        report["fixed_rate_registrations"] = j;
    }
    if let Some(f) = &app {
        let mut j = f.json();
        j["workers"] = o.app_workers.into();
        j["in_process_vrs_apply_per_s"] = ((apply_rate * 10.0).round() / 10.0).into();
        j["http_to_in_process"] = ratio(f.rate(), apply_rate).into();
        j["each"] = "POST /app/v1/challenge, the nonce signed with the test card's key (RSA-2048), POST /app/v1/applications (201 with certificate, JWS and QR)".into();
        report["app_applications"] = j;
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// The fixed-rate phase's `i`-th request: the tablet registers a dose of ticket
/// `first + i + 1` (tickets past wrk's).
fn register(token: &str, first: u64) -> anyhow::Result<load::fixed::MakeRequest> {
    use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))?;
    Ok(Arc::new(move |i| {
        let ticket = first + i + 1;
        let body = format!(
            r#"{{"ocr_line":"11131016{ticket:010}","vaccine":"comirnaty","lot":"FA5765","date":"2021-06-01"}}"#
        );
        let mut r = hyper::Request::new(http_body_util::Full::new(body.into()));
        *r.method_mut() = hyper::Method::POST;
        *r.uri_mut() = hyper::Uri::from_static("/api/v1/doses");
        let h = r.headers_mut();
        h.insert(HOST, HeaderValue::from_static("localhost"));
        h.insert(AUTHORIZATION, bearer.clone());
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r
    }))
}

/// wrk at `connections` for `seconds`: registrations per second and non-2xx answers.
fn wrk(
    tmp: &tempfile::TempDir,
    port: u16,
    token: &str,
    http_tickets: u64,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<(f64, u64)> {
    let stride = http_tickets / 2;
    let script = tmp.path().join("doses.lua");
    std::fs::write(
        &script,
        format!(
            r#"local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) n = 0 end
function request()
  n = n + 1
  local body = string.format('{{"ocr_line":"11131016%010d","vaccine":"comirnaty","lot":"FA5765","date":"2021-06-01"}}', id * {stride} + n)
  return wrk.format("POST", "/api/v1/doses", {{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}, body)
end
"#
        ),
    )?;
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(format!("https://127.0.0.1:{port}/"))
        .output()
        .context("running wrk")?;
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    let http_rate: f64 = report
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no Requests/sec in wrk's report")?;
    let non_2xx = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .map_or(0, |v| v.trim().parse::<u64>().unwrap_or(u64::MAX));
    Ok((http_rate, non_2xx))
}
