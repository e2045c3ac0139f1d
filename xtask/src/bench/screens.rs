//! `cargo xtask bench screens`: every staff page of `vrs serve` over a data
//! directory of N residents (default 1,000,000, one dose for the first 1,000):
//! latency of each page (requests one at a time, keep-alive, plain HTTP on
//! loopback, so the figure is the server's time plus a loopback round trip, an
//! upper bound of the server-side render time) and its size. The targets: p99 <
//! 50 ms and no page over 200 KB.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use vrs::consent::DocumentId;
use vrs::domain::{DoseEntry, Login, Role};
use vrs::{Answer, SystemClock, UserSpec, Vrs};

use crate::fixtures::root;

const PASSWORD: &str = "a long bench passphrase 42";
/// The p99 target (ms) and the size target (bytes) of every staff page.
const P99_TARGET_MS: f64 = 50.0;
const SIZE_TARGET: usize = 200 * 1024;

/// Who looks at a page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Clerk,
    Admin,
    Operator,
}

/// Every staff page (GET), as its user reaches it.
const PAGES: &[(Who, &str)] = &[
    (Who::Clerk, "/"),
    (Who::Clerk, "/residents"),
    (Who::Clerk, "/residents?address_number=A500"),
    (Who::Clerk, "/residents?ticket_number=0000000777"),
    (
        Who::Clerk,
        "/residents?kana=%E3%83%A4%E3%83%9E%E3%83%80&birth_date=1980-02-17",
    ),
    (Who::Clerk, "/residents/A1"),
    (Who::Clerk, "/upload"),
    (Who::Clerk, "/ledger"),
    (Who::Clerk, "/inquiry"),
    (
        Who::Clerk,
        "/inquiry?holder=011002&purpose=vaccination-ticket",
    ),
    (Who::Clerk, "/counter"),
    (Who::Clerk, "/issuances"),
    (Who::Admin, "/consent"),
    (Who::Admin, "/users"),
    (Who::Admin, "/audit"),
    (Who::Operator, "/"),
    (Who::Operator, "/operator"),
];

/// Resident rows of 131016: `A{i}`, ticket `i`, all born 1980-02-17.
fn residents_csv(n: u64) -> String {
    let mut s = String::with_capacity(n as usize * 90);
    s.push_str("自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n");
    for i in 1..=n {
        s.push_str(&format!(
            "131016,A{i},{},{i:010},山田\u{3000}太郎,ヤマダ\u{3000}タロウ,1980-02-17,1\n",
            crate::population::my_number(0, i)
        ));
    }
    s
}

fn add_user(vrs: &mut Vrs, manager: &str, login: &str, role: Role) -> anyhow::Result<Vec<u8>> {
    let login: Login = login.parse()?;
    let Answer::Done(created) = vrs.add_user(
        manager.parse()?,
        UserSpec {
            principal: None,
            login: &login,
            role,
            my_number_handler: role == Role::Clerk,
            password: PASSWORD,
        },
    )?
    else {
        anyhow::bail!("{manager} could not add {login}");
    };
    let secret = created.totp_secret.context("no TOTP secret")?;
    Ok(decode_base32(&secret))
}

/// RFC 4648 base32 without padding (the TOTP secret as apps read it).
fn decode_base32(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => continue,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The data directory: 131016 (and 011002) consented, `n` residents, a dose for
/// the first 1,000, a counter issuance, a clerk, an administrator, an operator.
fn prepare(data: &std::path::Path, n: u64) -> anyhow::Result<Vec<(Who, Vec<u8>)>> {
    Vrs::init(data, None, &SystemClock)?;
    let mut vrs = Vrs::open(data, Box::new(SystemClock))?;
    for m in ["131016", "011002"] {
        let who = format!("municipality:{m}").parse()?;
        let Answer::Done(_) =
            vrs.grant_consent(who, None, DocumentId::Terms20211203, None, Some("bench"))?
        else {
            anyhow::bail!("{m} could not consent");
        };
    }
    let chiyoda: vrs::Principal = "municipality:131016".parse()?;
    eprintln!("importing {n} residents …");
    let Answer::Done(o) =
        vrs.import_residents(chiyoda, residents_csv(n).as_bytes(), None, false)?
    else {
        anyhow::bail!("import refused");
    };
    anyhow::ensure!(o.committed, "import failed: {:?}", o.errors.first());
    let site: vrs::Principal = "site:131016".parse()?;
    for t in 1..=n.min(1000) {
        let entry = DoseEntry {
            ocr: format!("11131016{t:010}").parse()?,
            product: "comirnaty".parse()?,
            lot: "FA5765".parse()?,
            date: "2021-06-01".parse()?,
            venue: Some("区役所".parse()?),
            doctor: None,
        };
        let Answer::Done(Ok(_)) = vrs.register_dose(site, &entry)? else {
            anyhow::bail!("ticket {t} was not registered");
        };
    }
    let users = vec![
        (
            Who::Clerk,
            add_user(&mut vrs, "municipality:131016", "clerk", Role::Clerk)?,
        ),
        (
            Who::Admin,
            add_user(&mut vrs, "municipality:131016", "admin", Role::Admin)?,
        ),
        (
            Who::Operator,
            add_user(&mut vrs, "operator", "ops", Role::Admin)?,
        ),
    ];
    for i in 1..=20 {
        let a = format!("A{i}").parse()?;
        let Answer::Done(Ok(_)) = vrs.issue_at_counter(chiyoda, &a)? else {
            anyhow::bail!("no counter issuance for A{i}");
        };
    }
    Ok(users)
}

fn login_of(who: Who) -> &'static str {
    match who {
        Who::Clerk => "clerk",
        Who::Admin => "admin",
        Who::Operator => "ops",
    }
}

fn cookie_of(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// Signs in through the login form; the session cookie.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    who: Who,
    secret: &[u8],
) -> anyhow::Result<String> {
    let r = client.get(format!("{base}/login")).send().await?;
    let anon = cookie_of(&r, "__Host-vrs-anon").context("no anonymous cookie")?;
    let html = r.text().await?;
    let at = html.find("name=\"csrf\" value=\"").context("no csrf")? + 19;
    let csrf = html[at..at + html[at..].find('"').context("csrf")?].to_owned();
    let step = chrono::Utc::now().timestamp().div_euclid(vrs::TOTP_STEP);
    let code = vrs::totp_code(secret, step, vrs::TOTP_DIGITS);
    let r = client
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, anon)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login_of(who)),
            ("password", PASSWORD),
            ("totp", code.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        r.status() == 303,
        "{who:?} could not sign in: {}",
        r.status()
    );
    cookie_of(&r, "__Host-vrs-session").context("no session cookie")
}

pub(crate) fn run(
    residents: u64,
    requests: u32,
    json: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "-p", "vrs-cli"])
        .status()?;
    anyhow::ensure!(status.success(), "building vrs failed");
    let bin = root().join("target/release/vrs");
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let users = prepare(&data, residents)?;

    let mut server = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
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
        if let Some(a) = line.trim().strip_prefix("vrs serve: listening on http://") {
            break a.to_owned();
        }
    };
    let base = format!("http://{addr}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rows = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut cookies = Vec::new();
        for (who, secret) in &users {
            cookies.push((*who, sign_in(&client, &base, *who, secret).await?));
        }
        let mut rows = Vec::new();
        for &(who, path) in PAGES {
            let cookie = &cookies.iter().find(|c| c.0 == who).context("no cookie")?.1;
            let mut ms = Vec::with_capacity(requests as usize);
            let mut bytes = 0usize;
            for _ in 0..requests {
                let started = Instant::now();
                let r = client
                    .get(format!("{base}{path}"))
                    .header(reqwest::header::COOKIE, cookie)
                    .send()
                    .await?;
                let status = r.status();
                let body = r.bytes().await?;
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
                anyhow::ensure!(status == 200, "{path} as {who:?}: {status}");
                bytes = bytes.max(body.len());
            }
            ms.sort_by(f64::total_cmp);
            let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
            rows.push(serde_json::json!({
                "page": path,
                "as": format!("{who:?}").to_lowercase(),
                "p50_ms": (pct(0.5) * 100.0).round() / 100.0,
                "p99_ms": (pct(0.99) * 100.0).round() / 100.0,
                "max_ms": (pct(1.0) * 100.0).round() / 100.0,
                "bytes": bytes,
                "ok": pct(0.99) < P99_TARGET_MS && bytes <= SIZE_TARGET,
            }));
        }
        Ok::<_, anyhow::Error>(rows)
    })?;
    drop(runtime);
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    server.wait()?;

    println!("staff pages over {residents} residents, {requests} requests each (loopback, one at a time)");
    println!(
        "{:<70} {:>9} {:>9} {:>9} {:>9}",
        "page (as)", "p50 ms", "p99 ms", "max ms", "bytes"
    );
    for r in &rows {
        println!(
            "{:<70} {:>9} {:>9} {:>9} {:>9}{}",
            format!(
                "{} ({})",
                r["page"].as_str().unwrap_or(""),
                r["as"].as_str().unwrap_or("")
            ),
            r["p50_ms"],
            r["p99_ms"],
            r["max_ms"],
            r["bytes"],
            if r["ok"] == true { "" } else { "  OVER TARGET" }
        );
    }
    let all_ok = rows.iter().all(|r| r["ok"] == true);
    let report = serde_json::json!({
        "residents": residents,
        "requests_per_page": requests,
        "targets": { "p99_ms": P99_TARGET_MS, "bytes": SIZE_TARGET },
        "pages": rows,
        "all_within_targets": all_ok,
    });
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
    }
    println!("all within targets: {all_ok}");
    Ok(())
}
