//! A10-10 load limits: a per-client-address rate limit (GCRA) for the app's API and a
//! global in-flight limit that sheds load with 503 before latency collapses.
//!
//! Both are small and our own rather than `tower_governor`/`tower::load_shed`: the rate
//! limiter must key IPv6 clients by their /64 (one host usually holds a whole /64, so a
//! per-address key would be no limit), bound its memory against many addresses, and
//! answer with the API's 429 body and `Retry-After`; the shedder must answer 503 with
//! `Retry-After` at once instead of queueing (tower's `ConcurrencyLimit` queues; with
//! `LoadShed` it needs an error-mapping layer to say the same). Each is a few dozen lines
//! with injected time for its tests, and no new dependency.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::api::error::ApiError;

/// At most this many client keys are tracked; beyond it, keys whose allowance has fully
/// recovered are dropped, and if none has, new clients are limited until one recovers.
const MAX_CLIENTS: usize = 100_000;

/// The window `--app-rate` counts over.
const WINDOW: Duration = Duration::from_secs(60);

/// A per-client rate limit of `per_minute` requests a minute (GCRA: a client may spend
/// its whole minute's allowance at once, then one request every `60 s / per_minute`).
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// Each client's theoretical arrival time: when its allowance is fully back.
    clients: Mutex<HashMap<IpAddr, Instant>>,
}

/// The key a client is limited by: its IPv4 address, or its IPv6 /64 prefix.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut o = v6.octets();
                o[8..].fill(0);
                IpAddr::from(o)
            }
        },
    }
}

impl RateLimiter {
    /// A limiter of `per_minute` requests a minute per client (at least 1).
    pub fn new(per_minute: u32) -> Self {
        let interval = WINDOW / per_minute.max(1);
        Self {
            interval,
            tolerance: WINDOW.saturating_sub(interval),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one request of `client` at `now`, or says how long it must wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = client_key(client);
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&key) {
            clients.retain(|_, tat| *tat > now);
            if clients.len() >= MAX_CLIENTS {
                return Err(self.interval);
            }
        }
        let tat = clients.get(&key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        clients.insert(key, tat + self.interval);
        Ok(())
    }
}

/// Middleware: 429 with `Retry-After` (whole seconds, at least 1) once a client is over
/// its rate.
pub async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(peer.ip(), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => ApiError::RateLimited {
            retry_after: retry_after_secs(wait),
        }
        .into_response(),
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    let s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    s.max(1)
}

/// The default number of requests the service works on at once; beyond it, requests are
/// answered 503 at once. With the writer committing ~10,000 requests a second, this many
/// waiting adds at most ~0.1 s of queueing to anyone's latency.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// A global limit on requests in flight.
#[derive(Debug, Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
}

impl InFlight {
    /// At most `max` requests at once (at least 1).
    pub fn new(max: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max.max(1))),
        }
    }
}

/// Middleware: sheds a request with 503 + `Retry-After: 1` (no body) when the service
/// already works on its maximum; `/healthz` is never shed (the process is alive).
pub async fn shed(State(limit): State<InFlight>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    match limit.permits.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a10_10_a_client_gets_its_minute_at_once_then_one_request_per_interval() {
        let limiter = RateLimiter::new(60);
        let t0 = Instant::now();
        for i in 0..60 {
            assert_eq!(limiter.check(ip("192.0.2.1"), t0), Ok(()), "request {i}");
        }
        let wait = limiter.check(ip("192.0.2.1"), t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert_eq!(retry_after_secs(wait), 1);
        // Another client is not affected.
        assert_eq!(limiter.check(ip("192.0.2.2"), t0), Ok(()));
        // One interval later, one more request; not two.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(limiter.check(ip("192.0.2.1"), t1), Ok(()));
        assert!(limiter.check(ip("192.0.2.1"), t1).is_err());
        // A minute of silence gives the whole allowance back.
        let t2 = t1 + WINDOW;
        for i in 0..60 {
            assert_eq!(limiter.check(ip("192.0.2.1"), t2), Ok(()), "again {i}");
        }
        assert!(limiter.check(ip("192.0.2.1"), t2).is_err());
    }

    #[test]
    fn a10_10_the_wait_is_rounded_up_to_whole_seconds() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        assert!(limiter.check(ip("192.0.2.9"), t0).is_ok());
        assert!(limiter.check(ip("192.0.2.9"), t0).is_ok());
        let wait = limiter.check(ip("192.0.2.9"), t0 + Duration::from_millis(500));
        assert_eq!(wait, Err(Duration::from_millis(29_500)));
        assert_eq!(retry_after_secs(wait.unwrap_err()), 30);
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_prefix_and_mapped_ipv4_as_ipv4() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(
            limiter.check(ip("2001:db8:1:2:ffff::9"), t0).is_err(),
            "same /64"
        );
        assert!(
            limiter.check(ip("2001:db8:1:3::1"), t0).is_ok(),
            "other /64"
        );
        assert!(limiter.check(ip("198.51.100.7"), t0).is_ok());
        assert!(limiter.check(ip("::ffff:198.51.100.7"), t0).is_err());
    }

    #[test]
    fn the_client_table_is_bounded_and_recovered_clients_make_room() {
        let limiter = RateLimiter::new(60);
        let t0 = Instant::now();
        for i in 0..MAX_CLIENTS as u32 {
            let a = IpAddr::from((0x0a00_0000u32 + i).to_be_bytes());
            assert!(limiter.check(a, t0).is_ok());
        }
        let newcomer = ip("203.0.113.1");
        assert!(limiter.check(newcomer, t0).is_err(), "full: limited");
        // Once the others' allowance is back, their entries are dropped for the newcomer.
        assert!(limiter.check(newcomer, t0 + Duration::from_secs(2)).is_ok());
        assert_eq!(limiter.clients.lock().unwrap().len(), 1);
    }
}
