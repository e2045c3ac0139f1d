//! The load generators of `cargo xtask bench serve`, in Rust (tokio over rustls,
//! HTTP/1.1 keep-alive):
//!
//! - [`fixed::fixed_rate`]: an open-loop generator at a fixed offered rate over a
//!   fixed set of connections opened before the clock starts. Request `i` is due
//!   at `start + i / rate`; its latency is measured from that due time, not from
//!   when it was actually sent, so a stalled server shows in the percentiles
//!   instead of silently lowering the rate (coordinated omission, as wrk2 and
//!   `oha -q` correct it).
//! - [`app_closed_loop`]: workers that each fetch a challenge, sign its nonce
//!   with the test card's key and apply, as the certificate app does (reqwest).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::time::Instant;
use vrs::identity::card::mint::TestCardIssuer;
use vrs::identity::CardDump;

pub(crate) mod fixed;
#[cfg(test)]
mod tests;

/// What a run measured.
#[derive(Debug)]
pub(crate) struct Figures {
    /// Answers with the expected status.
    pub(crate) ok: u64,
    /// Every other outcome, by status or error.
    pub(crate) errors: BTreeMap<String, u64>,
    /// Latency of every answer with the expected status, in microseconds
    /// (3 significant digits: 0.1 % resolution at any magnitude).
    pub(crate) us: Histogram<u64>,
    /// Seconds from the first due time to the last answer.
    pub(crate) seconds: f64,
}

impl Default for Figures {
    fn default() -> Self {
        Self {
            ok: 0,
            errors: BTreeMap::new(),
            // 1 µs to an hour: `saturating_record` clamps into that range.
            us: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("bounds and 3 significant digits are valid"),
            seconds: 0.0,
        }
    }
}

impl Figures {
    /// The `p`-quantile latency (0 ≤ p ≤ 1) in milliseconds.
    pub(crate) fn pct(&self, p: f64) -> f64 {
        if self.us.is_empty() {
            return f64::NAN;
        }
        self.us.value_at_quantile(p) as f64 / 1e3
    }

    /// The longest latency in milliseconds.
    pub(crate) fn max(&self) -> f64 {
        if self.us.is_empty() {
            return f64::NAN;
        }
        self.us.max() as f64 / 1e3
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
            "max_ms": r(self.max()),
        })
    }
}

/// One request's outcome: its status (or why it got none).
type Outcome = Result<u16, String>;

fn record(figures: &mut Figures, out: Outcome, expect: u16, latency: Duration) {
    match out {
        Ok(s) if s == expect => {
            figures.ok += 1;
            let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
            figures.us.saturating_record(us);
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
) -> anyhow::Result<Figures> {
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
        all.us.add(&f.us)?;
        for (k, v) in f.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    all.seconds = start.elapsed().as_secs_f64();
    Ok(all)
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
