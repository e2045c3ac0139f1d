//! The clock is an input: every use case asks it for "now", in Japan time.

use chrono::{DateTime, FixedOffset, Utc};

/// Japan Standard Time, UTC+9 (no daylight saving).
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// Where a use case gets the time from.
pub trait Clock: Send + Sync {
    /// The current time in Japan time.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The system clock, read in Japan time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&jst())
    }
}

/// A clock stopped at one instant (tests, reproducible demos).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}
