//! Per-client-address request budgets (fixed one-minute windows), e.g. for
//! sign-ins: beyond the budget the answer is 429 with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked at most; past this, windows that have ended are dropped
/// (and if none has, the table starts afresh), so memory stays bounded.
const MAX_ADDRESSES: usize = 100_000;

const WINDOW: Duration = Duration::from_secs(60);

/// A budget of `per_minute` requests per client address.
#[derive(Debug)]
pub struct RateLimit {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimit {
    /// A budget of `per_minute` requests per address and minute.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `client`: `Ok` within the budget, else the
    /// seconds until its window ends.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        if windows.len() >= MAX_ADDRESSES && !windows.contains_key(&client) {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            if windows.len() >= MAX_ADDRESSES {
                windows.clear();
            }
        }
        let (start, count) = windows.entry(client).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(*start));
            return Err(left.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_per_address_and_the_next_request_is_told_when_to_retry() {
        let limit = RateLimit::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for i in 0..3 {
            assert_eq!(limit.check(a), Ok(()), "request {i}");
        }
        let retry = limit.check(a).unwrap_err();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(limit.check(b), Ok(()), "another address has its own budget");
    }
}
