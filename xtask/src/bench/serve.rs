//! `cargo xtask bench serve`: dose registration over HTTPS (keep-alive, durable
//! `synchronous=FULL`) against a real `vrs serve` child process, loaded by
//! Debian's `wrk` from a second process, beside the same registrations
//! in process through `vrs::SharedVrs`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use vrs::consent::DocumentId;
use vrs::domain::{DoseEntry, MyNumber};
use vrs::{Answer, SharedVrs, SystemClock, Vrs};

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

/// Runs the bench; `connections` wrk connections for `seconds`.
pub(crate) fn run(connections: u32, seconds: u32, in_process: u64) -> anyhow::Result<()> {
    if super::ensure_release()? {
        return Ok(());
    }
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not installed (apt-get install wrk)"
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "-p", "vrs-cli"])
        .status()?;
    anyhow::ensure!(status.success(), "building vrs failed");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join("target/release/vrs");

    // Enough residents for every request of the run at 20,000/s, plus the in-process ones.
    let http_tickets = u64::from(seconds) * 20_000;
    let total = http_tickets + in_process;
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
        let Answer::Done(o) =
            vrs.import_residents(chiyoda, residents(total).as_bytes(), None, false)?
        else {
            bail!("import refused")
        };
        anyhow::ensure!(o.committed, "import failed: {:?}", o.errors.first());
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
    let per = in_process / 64;
    let threads: Vec<_> = (0..64u64)
        .map(|t| {
            let shared = shared.clone();
            std::thread::spawn(move || -> anyhow::Result<()> {
                for i in 0..per {
                    let e = entry(http_tickets + t * per + i + 1)?;
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

    // Over HTTPS: vrs serve as a child process, wrk as another.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    std::fs::write(tmp.path().join("cert.pem"), cert.cert.pem())?;
    std::fs::write(tmp.path().join("key.pem"), cert.key_pair.serialize_pem())?;
    let mut server = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(tmp.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(tmp.path().join("key.pem"))
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
    let port = addr.rsplit(':').next().unwrap_or_default().to_owned();
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
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopped = server.wait()?;
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    let http_rate: f64 = report
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no Requests/sec in wrk's report")?;
    let non_2xx = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .map_or(0, |v| v.trim().parse::<u64>().unwrap_or(u64::MAX));
    let verified = {
        let vrs = Vrs::open(&data, Box::new(SystemClock))?;
        vrs.audit_verify()?.valid
    };
    println!(
        "{}",
        serde_json::json!({
            "https_registrations_per_s": http_rate.round(),
            "connections": connections,
            "seconds": seconds,
            "non_2xx": non_2xx,
            "in_process_shared_vrs_per_s": in_process_rate.round(),
            "http_to_in_process": (http_rate / in_process_rate * 100.0).round() / 100.0,
            "server_exit_on_sigterm": stopped.code(),
            "audit_chain_valid": verified,
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "loadavg": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        })
    );
    Ok(())
}
