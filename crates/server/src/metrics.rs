//! `/metrics` counters (Prometheus text) and the request log line.
//!
//! Requests are counted by route template (never the URI with its query) and
//! status; latency goes into one histogram per route. The log line names the
//! method, the route template, the status and the latency only, so no path or
//! query value (and so no My Number) is ever logged.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    refusals: Mutex<BTreeMap<String, u64>>,
    login_failures: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_owned(), method, status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_owned()).or_default();
            for (i, le) in BUCKETS.iter().enumerate() {
                if seconds <= *le {
                    h.buckets[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// Counts a refusal by each provision it cites.
    pub fn refused(&self, provisions: &[&str]) {
        if let Ok(mut m) = self.refusals.lock() {
            for p in provisions {
                *m.entry((*p).to_owned()).or_default() += 1;
            }
        }
    }

    /// Counts a failed login.
    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP vrs_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE vrs_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, method, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "vrs_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP vrs_http_request_duration_seconds Time to answer, by route.\n\
             # TYPE vrs_http_request_duration_seconds histogram\n",
        );
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                let route = escape(route);
                for (le, n) in BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "vrs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "vrs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                     vrs_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                     vrs_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        }
        out.push_str(
            "# HELP vrs_refusals_total Requests refused by a rule, by cited provision.\n\
             # TYPE vrs_refusals_total counter\n",
        );
        if let Ok(m) = self.refusals.lock() {
            for (p, n) in m.iter() {
                let _ = writeln!(out, "vrs_refusals_total{{provision=\"{}\"}} {n}", escape(p));
            }
        }
        let _ = writeln!(
            out,
            "# HELP vrs_login_failures_total Failed logins.\n\
             # TYPE vrs_login_failures_total counter\n\
             vrs_login_failures_total {}",
            self.login_failures.load(Ordering::Relaxed)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn method_name(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware: times the request, counts it and writes the log line.
pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_name(req.method());
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.record(&route, method, status, seconds);
    tracing::info!(
        method,
        route = route.as_str(),
        status,
        ms = seconds * 1000.0,
        "request"
    );
    response
}
