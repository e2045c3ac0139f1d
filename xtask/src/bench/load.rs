//! The load generators of `cargo xtask bench serve`, in Rust (tokio + reqwest
//! over rustls, HTTP/1.1 keep-alive):
//!
//! - [`fixed_rate`]: an open-loop generator at a fixed offered rate. Request
//!   `i` is due at `start + i / rate`; its latency is measured from that due
//!   time, not from when it was actually sent, so a stalled server shows in the
//!   percentiles instead of silently lowering the rate (coordinated omission,
//!   as wrk2 and `oha -q` correct it).
//! - [`app_closed_loop`]: workers that each fetch a challenge, sign its nonce
//!   with the test card's key and apply, as the certificate app does.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use vrs::identity::card::mint::TestCardIssuer;
use vrs::identity::CardDump;

/// What a run measured.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    /// Answers with the expected status.
    pub(crate) ok: u64,
    /// Every other outcome, by status or error.
    pub(crate) errors: BTreeMap<String, u64>,
    /// Latency of every answered request in milliseconds (sorted).
    pub(crate) ms: Vec<f64>,
    /// Seconds from the first due time to the last answer.
    pub(crate) seconds: f64,
}

impl Figures {
    /// The `p`-quantile latency (0 ≤ p ≤ 1) in milliseconds.
    pub(crate) fn pct(&self, p: f64) -> f64 {
        if self.ms.is_empty() {
            return f64::NAN;
        }
        let i = ((self.ms.len() as f64 - 1.0) * p).round() as usize;
        self.ms[i.min(self.ms.len() - 1)]
    }

    /// Answers with the expected status per second.
    pub(crate) fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    /// As JSON for the report.
    pub(crate) fn json(&self) -> serde_json::Value {
        let r = |v: f64| (v * 100.0).round() / 100.0;
        serde_json::json!({
            "ok": self.ok,
            "errors": self.errors,
            "per_s": r(self.rate()),
            "p50_ms": r(self.pct(0.50)),
            "p90_ms": r(self.pct(0.90)),
            "p99_ms": r(self.pct(0.99)),
            "p999_ms": r(self.pct(0.999)),
            "max_ms": r(self.ms.last().copied().unwrap_or(f64::NAN)),
        })
    }
}

/// One request's outcome: its status (or why it got none).
type Outcome = Result<u16, String>;

/// Offers `rate` requests per second for `seconds`, `request(i)` making the
/// `i`-th; counts a status of `expect` as success. More than `max_in_flight`
/// unanswered requests and the next ones are counted as errors at once
/// ("generator saturated"), so a stalled server cannot exhaust the generator.
pub(crate) async fn fixed_rate<F, Fut>(
    rate: u32,
    seconds: u32,
    max_in_flight: usize,
    expect: u16,
    request: F,
) -> Figures
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let total = u64::from(rate) * u64::from(seconds);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Outcome, Duration)>();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut figures = Figures::default();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due).await;
        if in_flight.load(Ordering::Relaxed) >= max_in_flight {
            *figures
                .errors
                .entry("generator saturated".into())
                .or_default() += 1;
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let fut = request(i);
        let tx = tx.clone();
        let in_flight = in_flight.clone();
        tokio::spawn(async move {
            let out = fut.await;
            // From the due time: a late send is the server's latency too.
            let latency = due.elapsed();
            in_flight.fetch_sub(1, Ordering::Relaxed);
            let _ = tx.send((out, latency));
        });
    }
    drop(tx);
    while let Some((out, latency)) = rx.recv().await {
        record(&mut figures, out, expect, latency);
    }
    figures.seconds = start.elapsed().as_secs_f64();
    figures.ms.sort_by(f64::total_cmp);
    figures
}

fn record(figures: &mut Figures, out: Outcome, expect: u16, latency: Duration) {
    match out {
        Ok(s) if s == expect => {
            figures.ok += 1;
            figures.ms.push(latency.as_secs_f64() * 1e3);
        }
        Ok(s) => *figures.errors.entry(s.to_string()).or_default() += 1,
        Err(e) => *figures.errors.entry(e).or_default() += 1,
    }
}

/// `workers` app clients, each applying again and again for `seconds`:
/// `POST /app/v1/challenge`, the nonce signed by the card's key, `POST
/// /app/v1/applications` (201 counts). Latency covers both requests and the signing.
pub(crate) async fn app_closed_loop(
    client: reqwest::Client,
    base: String,
    issuer: Arc<TestCardIssuer>,
    card: CardDump,
    workers: usize,
    seconds: u32,
) -> Figures {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(u64::from(seconds));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (client, base, issuer, mut card) =
            (client.clone(), base.clone(), issuer.clone(), card.clone());
        tasks.spawn(async move {
            let mut figures = Figures::default();
            while Instant::now() < deadline {
                let one = Instant::now();
                let out = apply_once(&client, &base, &issuer, &mut card).await;
                record(&mut figures, out, 201, one.elapsed());
            }
            figures
        });
    }
    let mut all = Figures::default();
    while let Some(done) = tasks.join_next().await {
        let Ok(f) = done else { continue };
        all.ok += f.ok;
        all.ms.extend(f.ms);
        for (k, v) in f.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    all.seconds = start.elapsed().as_secs_f64();
    all.ms.sort_by(f64::total_cmp);
    all
}

async fn apply_once(
    client: &reqwest::Client,
    base: &str,
    issuer: &TestCardIssuer,
    card: &mut CardDump,
) -> Outcome {
    let r = client
        .post(format!("{base}/app/v1/challenge"))
        .send()
        .await
        .map_err(|e| format!("challenge: {e}"))?;
    if r.status() != 200 {
        return Ok(r.status().as_u16());
    }
    let v: serde_json::Value = r.json().await.map_err(|e| format!("challenge: {e}"))?;
    let nonce = hex::decode(v["nonce"].as_str().unwrap_or_default())
        .map_err(|e| format!("challenge nonce: {e}"))?;
    card.nonce_signature = Some(issuer.sign_nonce(&nonce));
    card.nonce = Some(nonce);
    let body = serde_json::json!({ "municipality": "131016", "kind": "domestic", "card": card });
    let r = client
        .post(format!("{base}/app/v1/applications"))
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("application: {e}"))?;
    let status = r.status().as_u16();
    // Read the whole answer (certificate, JWS and QR) as the app would.
    r.bytes().await.map_err(|e| format!("application: {e}"))?;
    Ok(status)
}

/// A keep-alive HTTPS client that trusts the bench's self-signed certificate
/// and reaches `localhost` at `port` on loopback.
pub(crate) fn client(cert_pem: &str, port: u16) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes())?)
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .pool_max_idle_per_host(usize::MAX)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// One dose registration over HTTPS by the tablet: the status.
pub(crate) fn register(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    ticket: u64,
) -> impl Future<Output = Outcome> + Send + 'static {
    let request = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"ocr_line":"11131016{ticket:010}","vaccine":"comirnaty","lot":"FA5765","date":"2021-06-01"}}"#
        ));
    async move {
        let r = request.send().await.map_err(|e| {
            if e.is_timeout() {
                "timeout".to_owned()
            } else {
                "connection error".to_owned()
            }
        })?;
        let status = r.status().as_u16();
        r.bytes().await.map_err(|_| "body error".to_owned())?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_fast_server_gets_every_request_at_the_offered_rate() {
        let f = runtime().block_on(fixed_rate(500, 1, 1000, 201, |_| async { Ok(201) }));
        assert_eq!(f.ok, 500);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(
            f.seconds >= 0.99,
            "{}: offered faster than the rate",
            f.seconds
        );
        assert!(f.pct(0.99) < 50.0, "{}", f.pct(0.99));
    }

    /// A server that answers one request at a time in 10 ms serves 100/s; offered
    /// 200/s, the queue grows for the whole run and the latency from the due time
    /// shows it (a closed-loop generator would only report ~10 ms at half the rate).
    #[test]
    fn latency_runs_from_the_due_time_so_a_saturated_server_shows_in_the_percentiles() {
        let server = Arc::new(tokio::sync::Mutex::new(()));
        let f = runtime().block_on(fixed_rate(200, 1, 1000, 201, move |_| {
            let server = server.clone();
            async move {
                let _one_at_a_time = server.lock().await;
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok(201)
            }
        }));
        assert_eq!(f.ok, 200);
        assert!(f.pct(0.50) > 200.0, "p50 {} ms", f.pct(0.50));
        assert!(f.pct(0.99) > 800.0, "p99 {} ms", f.pct(0.99));
    }

    #[test]
    fn other_statuses_and_failures_are_counted_apart() {
        let f = runtime().block_on(fixed_rate(100, 1, 1000, 201, |i| async move {
            match i % 4 {
                0 => Ok(201),
                1 => Ok(503),
                2 => Err("connection error".to_owned()),
                _ => Ok(201),
            }
        }));
        assert_eq!(f.ok, 50);
        assert_eq!(f.errors.get("503"), Some(&25));
        assert_eq!(f.errors.get("connection error"), Some(&25));
        assert_eq!(f.ms.len(), 50, "only successes have a latency");
    }
}
