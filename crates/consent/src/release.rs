//! The national daily release (open data): small cells suppressed across all
//! tables of one release together, so that no suppressed cell can be derived by
//! subtracting published cells of the same or another table (T1-4-6).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::statistics::suppressed_cells;

/// The exact counts a release is made of: doses per day, prefecture and age band,
/// each by dose number, and the population denominators where configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseCounts {
    /// (date, dose number) → doses given that day.
    pub by_day: BTreeMap<(NaiveDate, u8), u64>,
    /// (prefecture code `01`..`47`, dose number) → doses up to the release date.
    pub by_prefecture: BTreeMap<(String, u8), u64>,
    /// (age band, dose number) → doses up to the release date.
    pub by_age_band: BTreeMap<(String, u8), u64>,
    /// (date, prefecture code) → doses given that day (every dose number): the
    /// public page's table (`crate::suppress_public_daily`).
    pub by_prefecture_day: BTreeMap<(NaiveDate, String), u64>,
    /// Population by prefecture (denominators), where configured.
    pub population_by_prefecture: BTreeMap<String, u64>,
    /// Population by age band (denominators), where configured.
    pub population_by_age_band: BTreeMap<String, u64>,
    /// (municipality code, six digits, dose number) → doses up to the release
    /// date: a prefecture's dashboard table ([`suppress_by_municipality`]).
    pub by_municipality: BTreeMap<(String, u8), u64>,
    /// Population by municipality (denominators), where configured.
    pub population_by_municipality: BTreeMap<String, u64>,
}

/// One published row of the daily table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    /// The day.
    pub date: NaiveDate,
    /// The dose number.
    pub dose_number: u8,
    /// Doses that day; `None` when suppressed.
    pub count: Option<u64>,
    /// Doses of that number up to and including the day; `None` when suppressed.
    pub cumulative: Option<u64>,
}

/// One published row of a table keyed by dose number and one more key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRow {
    /// The key (prefecture code, age band, or `all`).
    pub key: String,
    /// The dose number.
    pub dose_number: u8,
    /// Doses up to the release date; `None` when suppressed.
    pub count: Option<u64>,
    /// Doses per 100 people of the key's population, when a denominator is
    /// configured and the count is published.
    pub coverage_percent: Option<f64>,
}

/// Every table of one release, suppressed together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseTables {
    /// Doses per day and cumulative, by dose number.
    pub by_day: Vec<DayRow>,
    /// Totals by dose number (the margins every other table sums to).
    pub by_dose: Vec<KeyRow>,
    /// By prefecture and dose number.
    pub by_prefecture: Vec<KeyRow>,
    /// By age band and dose number.
    pub by_age_band: Vec<KeyRow>,
}

fn small(count: u64, min: u64) -> bool {
    (1..min).contains(&count)
}

/// A daily series and its running totals, whose final total is published when
/// `total_known`: (suppressed days, suppressed running totals). Between two
/// published running totals the sum of the days is known, so each such stretch
/// holds no suppressed day or at least two.
pub fn suppress_series(daily: &[u64], total_known: bool, min: u64) -> (Vec<bool>, Vec<bool>) {
    let n = daily.len();
    let mut day: Vec<bool> = daily.iter().map(|c| small(*c, min)).collect();
    let mut cum = day.clone();
    loop {
        // Stretches end at each published running total (and at the known end).
        let mut changed = false;
        let mut start = 0;
        for end in 0..n {
            let closes = !cum[end] || (end == n - 1 && total_known);
            if !closes {
                continue;
            }
            let hidden: Vec<usize> = (start..=end).filter(|i| day[*i]).collect();
            if hidden.len() == 1 {
                let other = (start..=end).filter(|i| !day[*i]).min_by_key(|i| daily[*i]);
                match other {
                    Some(i) => day[i] = true,
                    // A stretch of one hidden day: merge it with the previous one.
                    None if start > 0 => cum[start - 1] = true,
                    // The whole series is this one day, whose total is published:
                    // nothing can hide it (looping here never ended).
                    None => return (day, cum),
                }
                changed = true;
                break;
            }
            start = end + 1;
        }
        if !changed {
            return (day, cum);
        }
    }
}

fn coverage(count: Option<u64>, population: Option<&u64>) -> Option<f64> {
    match (count, population) {
        (Some(c), Some(p)) if *p > 0 => Some((c as f64 * 10_000.0 / *p as f64).round() / 100.0),
        _ => None,
    }
}

fn key_table(
    cells: &BTreeMap<(String, u8), u64>,
    population: &BTreeMap<String, u64>,
    min: Option<u64>,
) -> Vec<KeyRow> {
    // Grouped by dose number first: the groups whose totals a recipient knows are
    // each dose's (and each key's over all doses, and the grand total).
    let mut ordered: Vec<((u8, &String), u64)> =
        cells.iter().map(|((k, d), c)| ((*d, k), *c)).collect();
    ordered.sort();
    let keyed: Vec<(Vec<String>, u64)> = ordered
        .iter()
        .map(|((d, k), c)| (vec![d.to_string(), (*k).clone()], *c))
        .collect();
    let hidden = suppressed_cells(&keyed, min);
    ordered
        .into_iter()
        .zip(hidden)
        .map(|(((dose, key), c), h)| {
            let count = (!h).then_some(c);
            KeyRow {
                key: key.clone(),
                dose_number: dose,
                count,
                coverage_percent: coverage(count, population.get(key)),
            }
        })
        .collect()
}

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: the national release is statistics the State publishes; a small
/// cell (1 to below the minimum cell size) could single a person out, so it is
/// suppressed, and suppression is applied to all tables of one release together.
/// The total of each dose number is the margin every table sums to: it is published
/// unless itself small. The tables per prefecture and per age band follow
/// [`crate::suppressed_cells`] (every group a recipient can total has no lone
/// suppressed cell, nor suppressed cells summing below the minimum), and in the daily series every stretch between two published
/// running totals holds no suppressed day or at least two (running totals of
/// suppressed days are suppressed, and a lone one pulls in a neighbour), so no
/// suppressed cell is the difference of published ones. A coverage percentage is
/// shown only beside a published count. `min_cell` `None` (the holder's own data)
/// suppresses nothing.
pub fn suppress_release(counts: &ReleaseCounts, min_cell: Option<u64>) -> ReleaseTables {
    let mut totals: BTreeMap<u8, u64> = BTreeMap::new();
    for ((_, dose), c) in &counts.by_day {
        *totals.entry(*dose).or_default() += c;
    }
    let known: BTreeMap<u8, bool> = totals
        .iter()
        .map(|(d, t)| (*d, min_cell.is_none_or(|m| !small(*t, m))))
        .collect();
    let population_total: u64 = counts.population_by_prefecture.values().sum();
    let by_dose = totals
        .iter()
        .map(|(dose, total)| {
            let count = known[dose].then_some(*total);
            KeyRow {
                key: "all".into(),
                dose_number: *dose,
                count,
                coverage_percent: coverage(count, Some(&population_total)),
            }
        })
        .collect();
    let mut by_day = Vec::new();
    for dose in totals.keys() {
        let series: Vec<(NaiveDate, u64)> = counts
            .by_day
            .iter()
            .filter(|((_, d), _)| d == dose)
            .map(|((date, _), c)| (*date, *c))
            .collect();
        let daily: Vec<u64> = series.iter().map(|(_, c)| *c).collect();
        let (day, cum) = match min_cell {
            Some(m) => suppress_series(&daily, known[dose], m),
            None => (vec![false; daily.len()], vec![false; daily.len()]),
        };
        let mut running = 0;
        for (i, (date, c)) in series.into_iter().enumerate() {
            running += c;
            by_day.push(DayRow {
                date,
                dose_number: *dose,
                count: (!day[i]).then_some(c),
                cumulative: (!cum[i]).then_some(running),
            });
        }
    }
    ReleaseTables {
        by_day,
        by_dose,
        by_prefecture: key_table(
            &counts.by_prefecture,
            &counts.population_by_prefecture,
            min_cell,
        ),
        by_age_band: key_table(
            &counts.by_age_band,
            &counts.population_by_age_band,
            min_cell,
        ),
    }
}

/// The per-municipality table of a prefecture's dashboard, suppressed by the
/// same rule as the release's tables per prefecture and per age band
/// ([`suppress_release`], T1-4-6): every dose number's municipalities sum to
/// that dose's published total, so a lone small cell pulls in another, and no
/// suppressed cell can be derived by subtracting published ones. `min_cell`
/// `None` suppresses nothing.
pub fn suppress_by_municipality(counts: &ReleaseCounts, min_cell: Option<u64>) -> Vec<KeyRow> {
    key_table(
        &counts.by_municipality,
        &counts.population_by_municipality,
        min_cell,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No suppressed day is the difference of two published running totals and
    /// the published days between them.
    fn underivable(daily: &[u64], day: &[bool], cum: &[bool], total_known: bool) -> bool {
        let mut start = 0;
        for (end, hidden) in cum.iter().enumerate() {
            if !hidden || (end + 1 == daily.len() && total_known) {
                if (start..=end).filter(|i| day[*i]).count() == 1 {
                    return false;
                }
                start = end + 1;
            }
        }
        true
    }

    #[test]
    fn no_suppressed_day_can_be_derived_from_running_totals() {
        for daily in [
            vec![100, 3, 100, 100],
            vec![100, 100, 100, 3],
            vec![3],
            vec![3, 100],
            vec![100, 3, 4, 100],
            vec![5, 100, 100, 6, 100],
            vec![100, 100, 100],
        ] {
            let total: u64 = daily.iter().sum();
            let (day, cum) = suppress_series(&daily, total >= 10, 10);
            assert!(
                underivable(&daily, &day, &cum, total >= 10),
                "{daily:?}: {day:?} {cum:?}"
            );
            for (i, c) in daily.iter().enumerate() {
                if (1..10).contains(c) {
                    assert!(day[i], "{daily:?}: small day {i} published");
                }
            }
        }
        assert_eq!(
            suppress_series(&[100, 100, 100], true, 10),
            (vec![false; 3], vec![false; 3])
        );
    }

    /// T1-4-6: the per-dose total is the margin every table of the release sums to,
    /// so it must be the sum of that dose's days (not of another dose's, not a
    /// product); a wrong margin would publish a number from which a suppressed
    /// cell can be recovered, or hide one that is safe.
    #[test]
    fn t1_4_6_each_dose_total_is_the_sum_of_that_doses_days() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut counts = ReleaseCounts::default();
        counts.by_day.insert((d("2022-01-01"), 1), 30);
        counts.by_day.insert((d("2022-01-02"), 1), 12);
        counts.by_day.insert((d("2022-01-03"), 1), 20);
        counts.by_day.insert((d("2022-01-02"), 2), 11);
        counts.by_day.insert((d("2022-01-03"), 2), 15);
        for min in [Some(10), None] {
            let t = suppress_release(&counts, min);
            let totals: Vec<(u8, Option<u64>)> =
                t.by_dose.iter().map(|r| (r.dose_number, r.count)).collect();
            assert_eq!(totals, [(1, Some(62)), (2, Some(26))], "min_cell {min:?}");
            let last: Vec<Option<u64>> = [2, 4].iter().map(|i| t.by_day[*i].cumulative).collect();
            assert_eq!(
                last,
                [Some(62), Some(26)],
                "running totals end at the dose totals"
            );
        }
    }

    #[test]
    fn tables_of_one_release_share_the_dose_totals_and_hide_what_subtraction_would_give() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut counts = ReleaseCounts::default();
        counts.by_day.insert((d("2022-01-01"), 1), 40);
        counts.by_day.insert((d("2022-01-02"), 1), 2);
        counts.by_day.insert((d("2022-01-03"), 1), 40);
        counts.by_prefecture.insert(("01".into(), 1), 80);
        counts.by_prefecture.insert(("13".into(), 1), 2);
        counts.by_age_band.insert(("20-29".into(), 1), 41);
        counts.by_age_band.insert(("30-39".into(), 1), 41);
        counts.population_by_prefecture.insert("01".into(), 1000);
        counts.population_by_prefecture.insert("13".into(), 1000);
        let t = suppress_release(&counts, Some(10));
        assert_eq!(t.by_dose[0].count, Some(82));
        assert_eq!(t.by_dose[0].coverage_percent, Some(4.1));
        let pref: Vec<Option<u64>> = t.by_prefecture.iter().map(|r| r.count).collect();
        assert_eq!(pref, [None, None], "82 - 80 would give 13's 2");
        assert!(t.by_prefecture.iter().all(|r| r.coverage_percent.is_none()));
        let days: Vec<(Option<u64>, Option<u64>)> =
            t.by_day.iter().map(|r| (r.count, r.cumulative)).collect();
        assert_eq!(days, [(Some(40), Some(40)), (None, None), (None, Some(82))]);
        let ages: Vec<Option<u64>> = t.by_age_band.iter().map(|r| r.count).collect();
        assert_eq!(ages, [Some(41), Some(41)]);
        // The holder's own statistics are exact.
        let exact = suppress_release(&counts, None);
        assert!(exact
            .by_day
            .iter()
            .all(|r| r.count.is_some() && r.cumulative.is_some()));
    }
}

#[cfg(test)]
mod one_day {
    #[test]
    fn a_one_day_series_with_a_small_count_and_a_known_total_returns() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(super::suppress_series(&[1], true, 10));
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(5));
        assert_eq!(got, Ok((vec![true], vec![true])));
    }

    #[test]
    fn coverage_needs_a_known_nonzero_population() {
        assert_eq!(super::coverage(Some(5), Some(&0)), None);
        assert_eq!(super::coverage(None, Some(&10)), None);
        assert_eq!(super::coverage(Some(1), Some(&3)), Some(33.33));
        assert_eq!(super::coverage(Some(2), Some(&1)), Some(200.0));
    }
}

#[cfg(test)]
mod by_municipality {
    use super::*;

    #[test]
    fn t1_4_6_a_lone_small_municipality_pulls_in_another_of_its_dose_and_none_is_derivable() {
        let mut counts = ReleaseCounts::default();
        for (m, dose, n) in [
            ("131016", 1, 40),
            ("131024", 1, 3),
            ("131032", 1, 25),
            ("131016", 2, 30),
            ("131024", 2, 20),
            ("131032", 2, 12),
        ] {
            counts.by_municipality.insert((m.to_owned(), dose), n);
        }
        let rows = suppress_by_municipality(&counts, Some(10));
        let hidden: Vec<(&str, u8)> = rows
            .iter()
            .filter(|r| r.count.is_none())
            .map(|r| (r.key.as_str(), r.dose_number))
            .collect();
        // 131024's 3 is small; alone it would be the dose's total minus the
        // others, so a second cell of dose 1 goes too.
        assert!(hidden.contains(&("131024", 1)), "{hidden:?}");
        assert!(
            hidden.iter().filter(|(_, d)| *d == 1).count() >= 2,
            "{hidden:?}"
        );
        for dose in [1u8, 2] {
            let lone = hidden.iter().filter(|(_, d)| *d == dose).count() == 1;
            assert!(
                !lone,
                "dose {dose}: one suppressed cell is derivable: {hidden:?}"
            );
        }
        // Exact for the holder's own data.
        let exact = suppress_by_municipality(&counts, None);
        assert!(exact.iter().all(|r| r.count.is_some()));
        assert_eq!(exact.len(), 6);
    }
}
