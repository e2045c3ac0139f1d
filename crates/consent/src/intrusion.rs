//! Intrusion signals (S-3-3): bursts of events per key (an account, a client
//! address, a principal) within a sliding time window. Pure: the events are given.

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;

/// Default: this many failures ...
pub const DEFAULT_BURST: usize = 10;
/// ... within this many minutes make an alert.
pub const DEFAULT_WINDOW_MINUTES: i64 = 10;
/// Default: this many refused cross-partition attempts within the window make an alert.
pub const DEFAULT_CROSS_PARTITION: usize = 3;

/// A key whose events reached the threshold within one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Burst<K> {
    /// The account, address or principal.
    pub key: K,
    /// The most events of the key within any one window.
    pub count: usize,
    /// The first event of that window.
    pub first: DateTime<FixedOffset>,
    /// The last event of that window.
    pub last: DateTime<FixedOffset>,
}

/// For each key with at least `threshold` events within some span of `window`
/// (first and last event at most `window` apart), the busiest such span (the
/// earliest of equal ones). Keys in order; `events` in any order. A threshold of
/// 0 is taken as 1.
pub fn bursts<K: Ord + Clone>(
    events: &[(K, DateTime<FixedOffset>)],
    threshold: usize,
    window: Duration,
) -> Vec<Burst<K>> {
    let mut sorted: Vec<&(K, DateTime<FixedOffset>)> = events.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        let key = &sorted[start].0;
        let end = start + sorted[start..].partition_point(|e| &e.0 == key);
        let times: Vec<DateTime<FixedOffset>> = sorted[start..end].iter().map(|e| e.1).collect();
        let mut best: Option<(usize, usize)> = None;
        let mut lo = 0;
        for hi in 0..times.len() {
            while times[hi] - times[lo] > window {
                lo += 1;
            }
            if best.is_none_or(|(b_lo, b_hi)| hi - lo > b_hi - b_lo) {
                best = Some((lo, hi));
            }
        }
        if let Some((lo, hi)) = best {
            if hi - lo + 1 >= threshold.max(1) {
                out.push(Burst {
                    key: key.clone(),
                    count: hi - lo + 1,
                    first: times[lo],
                    last: times[hi],
                });
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: i64, sec: i64) -> DateTime<FixedOffset> {
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        jst.with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap()
            + Duration::minutes(min)
            + Duration::seconds(sec)
    }

    #[test]
    fn s_3_3_ten_failures_within_ten_minutes_make_a_burst_and_nine_do_not() {
        let window = Duration::minutes(10);
        let ten: Vec<_> = (0..10).map(|i| ("alice", at(i, 0))).collect();
        let got = bursts(&ten, 10, window);
        assert_eq!(
            got,
            [Burst {
                key: "alice",
                count: 10,
                first: at(0, 0),
                last: at(9, 0)
            }]
        );
        assert!(bursts(&ten[..9], 10, window).is_empty());
    }

    #[test]
    fn s_3_3_a_window_is_inclusive_of_its_length_and_no_longer() {
        let window = Duration::minutes(10);
        // Three events: 0:00, 10:00 (exactly the window apart), 10:01.
        let events = [("x", at(0, 0)), ("x", at(10, 0)), ("x", at(10, 1))];
        let got = bursts(&events, 3, window);
        assert!(got.is_empty(), "{got:?}");
        let got = bursts(&events, 2, window);
        assert_eq!(
            (got[0].count, got[0].first, got[0].last),
            (2, at(0, 0), at(10, 0))
        );
    }

    #[test]
    fn s_3_3_keys_are_counted_apart_and_reported_in_order_with_their_busiest_window() {
        let window = Duration::minutes(10);
        let mut events = vec![];
        for i in 0..4 {
            events.push(("b", at(i, 0)));
            events.push(("a", at(30 + i, 0)));
        }
        events.push(("a", at(0, 0)));
        events.push(("c", at(0, 0)));
        let got = bursts(&events, 3, window);
        let summary: Vec<_> = got.iter().map(|b| (b.key, b.count, b.first)).collect();
        assert_eq!(summary, [("a", 4, at(30, 0)), ("b", 4, at(0, 0))]);
        assert_eq!(bursts(&events, 0, window).len(), 3, "threshold 0 is 1");
    }

    #[test]
    fn s_3_3_a_busiest_window_that_starts_late_is_measured_by_its_own_events() {
        // S-3-3 alerts on the events within one window, wherever it starts: here the
        // busiest window holds the 2nd and 3rd failures only (the 1st is an hour
        // earlier), so a threshold of 3 is not reached, and 2 is, with count 2.
        let window = Duration::minutes(10);
        let events = [("k", at(0, 0)), ("k", at(60, 0)), ("k", at(61, 0))];
        let got = bursts(&events, 3, window);
        assert!(got.is_empty(), "{got:?}");
        let got = bursts(&events, 2, window);
        assert_eq!(
            (got[0].count, got[0].first, got[0].last),
            (2, at(60, 0), at(61, 0))
        );
    }

    #[test]
    fn s_3_3_of_two_equally_busy_windows_the_earliest_is_reported() {
        let window = Duration::minutes(10);
        let events = [
            ("k", at(0, 0)),
            ("k", at(1, 0)),
            ("k", at(30, 0)),
            ("k", at(31, 0)),
        ];
        let got = bursts(&events, 2, window);
        assert_eq!(
            (got[0].count, got[0].first, got[0].last),
            (2, at(0, 0), at(1, 0))
        );
    }
}
