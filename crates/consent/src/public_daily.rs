//! The public daily page (`/stats/public`): the national daily totals and the
//! per-prefecture daily totals, as the Prime Minister's Office site published
//! them, suppressed together so that no suppressed cell can be derived by
//! subtracting published ones across the two tables (T1-4-6).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::statistics::suppressed_cells;

/// One day's national total (every dose number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NationalDay {
    /// The day.
    pub date: NaiveDate,
    /// Doses given that day in the whole country; `None` when suppressed.
    pub count: Option<u64>,
}

/// One prefecture's total of one day (every dose number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrefectureDay {
    /// The day.
    pub date: NaiveDate,
    /// The prefecture code, `01`..`47`.
    pub prefecture: String,
    /// Doses given that day in the prefecture; `None` when suppressed.
    pub count: Option<u64>,
}

/// The two tables of the public page, suppressed together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicDaily {
    /// The national total of each day.
    pub national: Vec<NationalDay>,
    /// Each prefecture's total of each day (only the cells that have doses or are
    /// suppressed; a missing cell is 0).
    pub prefectures: Vec<PrefectureDay>,
}

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: the page publishes two tables together: the prefectures' daily
/// totals (`cells`, keyed by day and prefecture code) and the national daily totals,
/// which are their sums over prefectures; it publishes no total over several days.
/// All tables published together are suppressed together: a day's national total
/// is the margin of that day's prefecture cells, so each day's cells follow
/// [`crate::suppressed_cells`] as one group (every day with a suppressed cell has at
/// least two, summing to at least `min_cell`, so `national - published prefectures`
/// gives no single cell and no small sum); suppressing across days too would hide
/// cells of other days that then become the lone suppressed cell of their day; a national total that is itself small (1 to below
/// `min_cell`) is suppressed, and then every non-zero cell of that day is too. So
/// no suppressed cell, and no suppressed national total, is a published number or
/// the difference of published numbers. `min_cell` `None` (the holder's own data)
/// suppresses nothing.
pub fn suppress_public_daily(
    cells: &BTreeMap<(NaiveDate, String), u64>,
    min_cell: Option<u64>,
) -> PublicDaily {
    // The page publishes each day's total and its prefecture cells, and no total
    // over days: each day is one group, its national total the only margin.
    let mut hidden: Vec<bool> = Vec::with_capacity(cells.len());
    let mut rows = cells.iter().peekable();
    while let Some(((date, _), _)) = rows.peek() {
        let date = *date;
        let mut row: Vec<(Vec<&String>, u64)> = Vec::new();
        while let Some(((_, p), c)) = rows.next_if(|((d, _), _)| *d == date) {
            row.push((vec![p], *c));
        }
        hidden.extend(suppressed_cells(&row, min_cell));
    }
    let mut totals: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for ((d, _), c) in cells {
        *totals.entry(*d).or_default() += c;
    }
    let small = |n: u64| min_cell.is_some_and(|m| (1..m).contains(&n));
    PublicDaily {
        national: totals
            .into_iter()
            .map(|(date, n)| NationalDay {
                date,
                count: (!small(n)).then_some(n),
            })
            .collect(),
        prefectures: cells
            .iter()
            .zip(hidden)
            .map(|(((date, prefecture), c), h)| PrefectureDay {
                date: *date,
                prefecture: prefecture.clone(),
                count: (!h).then_some(*c),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(i: usize) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, 1).unwrap() + chrono::Days::new(i as u64)
    }

    /// `grid[d][p]`: doses on day `d` in prefecture `p`.
    fn cells(grid: &[Vec<u64>]) -> BTreeMap<(NaiveDate, String), u64> {
        let mut out = BTreeMap::new();
        for (d, row) in grid.iter().enumerate() {
            for (p, c) in row.iter().enumerate() {
                out.insert((day(d), format!("{:02}", p + 1)), *c);
            }
        }
        out
    }

    /// Rank of 0/1 rows over the rationals (Gaussian elimination in f64; the rows
    /// are short and small, so exact enough with a tolerance).
    fn rank(rows: &[Vec<f64>]) -> usize {
        let mut m: Vec<Vec<f64>> = rows.to_vec();
        let width = m.first().map_or(0, Vec::len);
        let mut r = 0;
        for c in 0..width {
            let Some(p) = (r..m.len()).find(|&i| m[i][c].abs() > 1e-9) else {
                continue;
            };
            m.swap(r, p);
            for i in 0..m.len() {
                if i != r && m[i][c].abs() > 1e-9 {
                    let f = m[i][c] / m[r][c];
                    let pivot = m[r].clone();
                    for (x, p) in m[i].iter_mut().zip(&pivot) {
                        *x -= f * p;
                    }
                }
            }
            r += 1;
        }
        r
    }

    /// What a reader of the page knows: published cells, and for each published
    /// national total, the sum of that day's suppressed cells. Fails when a
    /// suppressed cell or a suppressed national total is determined by them, or a
    /// published number, or a derivable sum of suppressed cells, is small.
    fn check_underivable(grid: &[Vec<u64>], min: u64) -> Result<(), String> {
        check_page(grid, min, &suppress_public_daily(&cells(grid), Some(min)))
    }

    fn check_page(grid: &[Vec<u64>], min: u64, out: &PublicDaily) -> Result<(), String> {
        let width = grid.first().map_or(0, Vec::len);
        let hidden: Vec<(usize, usize)> = out
            .prefectures
            .iter()
            .enumerate()
            .filter(|(_, c)| c.count.is_none())
            .map(|(i, _)| (i / width, i % width))
            .collect();
        for c in &out.prefectures {
            if let Some(n) = c.count {
                if (1..min).contains(&n) {
                    return Err(format!("published small cell {c:?}"));
                }
            }
        }
        let mut known: Vec<Vec<f64>> = Vec::new();
        for (d, n) in out.national.iter().enumerate() {
            if let Some(n) = n.count {
                if (1..min).contains(&n) {
                    return Err(format!("published small national total of day {d}"));
                }
                let row: Vec<f64> = hidden
                    .iter()
                    .map(|(hd, _)| if *hd == d { 1.0 } else { 0.0 })
                    .collect();
                let sum: u64 = hidden
                    .iter()
                    .filter(|(hd, _)| *hd == d)
                    .map(|(hd, hp)| grid[*hd][*hp])
                    .sum();
                if (1..min).contains(&sum) {
                    return Err(format!("day {d}: suppressed cells sum to {sum}"));
                }
                if row.iter().any(|v| *v > 0.0) {
                    known.push(row);
                }
            }
        }
        let base = rank(&known);
        let mut targets: Vec<(String, Vec<f64>)> = hidden
            .iter()
            .enumerate()
            .filter(|(_, (d, p))| grid[*d][*p] > 0)
            .map(|(i, cell)| {
                let mut t = vec![0.0; hidden.len()];
                t[i] = 1.0;
                (format!("cell {cell:?}"), t)
            })
            .collect();
        for (d, n) in out.national.iter().enumerate() {
            if n.count.is_none() {
                let t = hidden
                    .iter()
                    .map(|(hd, _)| if *hd == d { 1.0 } else { 0.0 })
                    .collect();
                targets.push((format!("national total of day {d}"), t));
            }
        }
        for (what, t) in targets {
            let mut with = known.clone();
            with.push(t);
            if rank(&with) == base {
                return Err(format!("{what} is derivable: {out:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn t1_4_6_a_small_prefecture_day_is_not_the_national_total_minus_the_others() {
        let grid = vec![vec![40, 3, 25], vec![30, 30, 30]];
        let out = suppress_public_daily(&cells(&grid), Some(10));
        let day0: Vec<Option<u64>> = out.prefectures[..3].iter().map(|c| c.count).collect();
        assert_eq!(day0, [Some(40), None, None], "3 and its complement 25");
        assert_eq!(out.national[0].count, Some(68));
        assert!(out.prefectures[3..].iter().all(|c| c.count.is_some()));
        check_underivable(&grid, 10).unwrap();
        // The holder's own numbers are exact.
        let exact = suppress_public_daily(&cells(&grid), None);
        assert!(exact.prefectures.iter().all(|c| c.count.is_some()));
    }

    #[test]
    fn t1_4_6_a_small_national_day_is_suppressed_with_its_cells() {
        let grid = vec![vec![2, 0, 3], vec![30, 30, 30]];
        let out = suppress_public_daily(&cells(&grid), Some(10));
        assert_eq!(out.national[0].count, None);
        let day0: Vec<Option<u64>> = out.prefectures[..3].iter().map(|c| c.count).collect();
        assert_eq!(day0, [None, Some(0), None]);
        check_underivable(&grid, 10).unwrap();
    }

    #[test]
    fn the_check_finds_a_lone_suppressed_cell_a_small_sum_and_a_published_small_number() {
        // Primary suppression only: 68 - 40 - 25 gives the 3 away.
        let grid = vec![vec![40, 3, 25]];
        let mut out = suppress_public_daily(&cells(&grid), None);
        out.prefectures[1].count = None;
        let err = check_page(&grid, 10, &out).unwrap_err();
        assert_eq!(err, "day 0: suppressed cells sum to 3");
        out.prefectures[1].count = Some(3);
        let err = check_page(&grid, 10, &out).unwrap_err();
        assert!(err.starts_with("published small cell"), "{err}");
        // A lone suppressed cell that is not small is still the difference.
        let grid = vec![vec![40, 12, 25]];
        let mut out = suppress_public_daily(&cells(&grid), None);
        out.prefectures[1].count = None;
        let err = check_page(&grid, 10, &out).unwrap_err();
        assert!(err.starts_with("cell (0, 1) is derivable"), "{err}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn t1_4_6_no_suppressed_number_of_the_page_can_be_derived_from_the_published_ones(
            min in 3u64..12,
            grid in (1usize..5, 1usize..5).prop_flat_map(|(days, prefs)| {
                prop::collection::vec(
                    prop::collection::vec(prop_oneof![Just(0u64), 1u64..15, 15u64..60], prefs),
                    days,
                )
            }),
        ) {
            prop_assert_eq!(check_underivable(&grid, min), Ok(()));
        }
    }
}
