//! The State and prefectures: statistics only.

use vrs_domain::Principal;

use crate::decision::{Finding, Request};
use crate::provision::cite;

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: `national` and `prefecture:NN` are refused every action that
/// touches person-level data. The system operator (`operator`) manages consents,
/// switches and keys but is likewise never given person-level data: it holds no
/// area (T1-4-3) and may handle specific personal information only as the contract
/// allows (M-4-2, M-9); we refuse it on the same ground.
pub(crate) fn statistics_only(req: &Request, out: &mut Vec<Finding>) {
    if !req.action.touches_person_data() {
        return;
    }
    let who = match req.principal {
        Principal::National => "the State",
        Principal::Prefecture(_) => "a prefecture",
        Principal::Operator => "the system operator",
        Principal::Municipality(_) | Principal::Site(_) => return,
    };
    out.push(Finding::unmet(
        cite("T1-4-6"),
        format!("{who} may use statistics only and cannot access person-level data"),
    ));
}

/// Legal basis: T1-4-4, T1-4-5 (別紙1 第4条第4項, 第4条第5項)
///
/// > By consenting, a municipality may use the function that automatically turns
/// > its data into statistics and provides them to the State or prefectures.
/// > Consent to the terms implies consent to T1-4-4.
///
/// Interpretation: `national` may view statistics of every area; `prefecture:NN`
/// those of its own municipalities only (a named area in another prefecture is
/// refused). No separate consent is asked: the base-terms consent (T1-2-3) implies
/// it. Vaccination venues and the operator receive no statistics.
pub(crate) fn statistics_scope(req: &Request, out: &mut Vec<Finding>) {
    if req.action == crate::Action::ConfigureStatistics {
        return suppression_is_the_operators(req, out);
    }
    if req.action == crate::Action::ImportPopulation {
        return population_is_the_states(req, out);
    }
    if req.action != crate::Action::ViewStatistics {
        return;
    }
    match (req.principal, req.partition) {
        (Principal::National, _) => {
            out.push(Finding::met(
                cite("T1-4-4"),
                "statistics are provided to the State",
            ));
            out.push(Finding::met(
                cite("T1-4-5"),
                "consent to the terms implies consent to the statistics function",
            ));
        }
        (Principal::Prefecture(p), Some(area)) if area.prefecture() != p => {
            out.push(Finding::unmet(
                cite("T1-4-4"),
                format!("prefecture {p} receives statistics of its own municipalities only, not of {area}"),
            ));
        }
        (Principal::Prefecture(p), _) => {
            out.push(Finding::met(
                cite("T1-4-4"),
                format!("statistics of prefecture {p}'s municipalities are provided to it"),
            ));
            out.push(Finding::met(
                cite("T1-4-5"),
                "consent to the terms implies consent to the statistics function",
            ));
        }
        (Principal::Municipality(me), area) => own_statistics(me, area, out),
        (Principal::Site(_) | Principal::Operator, _) => out.push(Finding::unmet(
            cite("T1-4-4"),
            "statistics are provided to the State, prefectures and the holding municipality only",
        )),
    }
}

/// Legal basis: P11-7 (別紙11 7)
///
/// > Municipalities may compile statistics (no re-identification attempts).
///
/// Interpretation: a municipality sees the statistics of its own area, exact (no
/// cell suppression: it holds the person-level data anyway); another area's are
/// refused as that area's business (T1-4-3).
fn own_statistics(
    me: vrs_domain::MunicipalityCode,
    area: Option<vrs_domain::MunicipalityCode>,
    out: &mut Vec<Finding>,
) {
    match area {
        Some(a) if a != me => out.push(Finding::unmet(
            cite("T1-4-3"),
            format!("{me} may not compile statistics of the area of {a}"),
        )),
        _ => out.push(Finding::met(
            cite("P11-7"),
            format!("{me} compiles statistics of its own area"),
        )),
    }
}

/// Legal basis: T1-4-4, T1-4-5 (別紙1 第4条第4項, 第4条第5項)
///
/// > By consenting, a municipality may use the function that automatically turns its
/// > data into statistics and provides them to the State or prefectures.
///
/// Interpretation: a municipality's doses enter the statistics given to the State and
/// prefectures only while it consents to the base terms (which implies T1-4-4); a
/// municipality that never consented, or withdrew, is left out of every cell.
pub fn contributes_to_statistics(
    facts: &crate::Facts,
    municipality: vrs_domain::MunicipalityCode,
    as_of: chrono::DateTime<chrono::FixedOffset>,
) -> bool {
    facts.consents_to_base_terms(municipality, as_of.date_naive())
}

/// Whether the statistics `principal` receives are compiled only from the
/// municipalities that [`contributes_to_statistics`] admits (T1-4-4): the State's
/// and prefectures' are; a municipality's statistics of its own area are not.
pub fn statistics_need_consent(principal: Principal) -> bool {
    matches!(principal, Principal::National | Principal::Prefecture(_))
}

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: the suppression that keeps the State's and prefectures' statistics
/// from singling out persons is set by the system operator, never by those who
/// receive the statistics (they may ask for more suppression per query, not less).
fn suppression_is_the_operators(req: &Request, out: &mut Vec<Finding>) {
    if req.principal == Principal::Operator {
        out.push(Finding::met(
            cite("T1-4-6"),
            "the operator sets the minimum cell size of the State's and prefectures' statistics",
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-4-6"),
            format!(
                "{} cannot set the minimum cell size: only the operator can",
                req.principal
            ),
        ));
    }
}

/// Legal basis: T1-4-4 (別紙1 第4条第4項)
///
/// > By consenting, a municipality may use the function that automatically turns its
/// > data into statistics and provides them to the State or prefectures.
///
/// Interpretation: the population by municipality and age band (public statistics,
/// no personal data) is the denominator of the coverage percentages in the statistics
/// the State receives and publishes; the State sets it. Anyone else is refused.
fn population_is_the_states(req: &Request, out: &mut Vec<Finding>) {
    if req.principal == Principal::National {
        out.push(Finding::met(
            cite("T1-4-4"),
            "the State sets the population denominators of its statistics",
        ));
    } else {
        out.push(Finding::unmet(
            cite("T1-4-4"),
            format!(
                "{} cannot set the population denominators: only the State can",
                req.principal
            ),
        ));
    }
}

/// The default minimum cell size of statistics given to the State and prefectures.
pub const DEFAULT_MIN_CELL: u64 = 10;
/// The smallest minimum cell size that may be configured.
pub const FLOOR_MIN_CELL: u64 = 3;

/// A minimum cell size below the floor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatisticsError {
    /// The requested minimum cell size is below [`FLOOR_MIN_CELL`].
    #[error("minimum cell size {requested} is below the floor of {floor}")]
    MinCellTooSmall {
        /// What was asked for.
        requested: u64,
        /// The floor.
        floor: u64,
    },
}

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: a small cell of an aggregate can single a person out, so cells
/// counting from 1 to below the minimum cell size (default 10, configured by the
/// operator, never below 3; a query may raise it, not lower it) are suppressed in what the State and prefectures receive. The holding
/// municipality's own statistics are exact (`None`: no suppression).
pub fn min_cell_size(
    principal: Principal,
    configured: Option<u64>,
    requested: Option<u64>,
) -> Result<Option<u64>, StatisticsError> {
    let configured = configured.unwrap_or(DEFAULT_MIN_CELL);
    for size in [Some(configured), requested].into_iter().flatten() {
        if size < FLOOR_MIN_CELL {
            return Err(StatisticsError::MinCellTooSmall {
                requested: size,
                floor: FLOOR_MIN_CELL,
            });
        }
    }
    // A query may ask for more suppression than configured, never for less.
    let size = requested.map_or(configured, |r| r.max(configured));
    Ok(match principal {
        Principal::National | Principal::Prefecture(_) => Some(size),
        _ => None,
    })
}

/// Legal basis: T1-4-6 (別紙1 第4条第6項)
///
/// > The State and prefectures may use only those statistics and cannot access any
/// > other (specific) personal information.
///
/// Interpretation: suppressing a small cell is not enough when it can be recovered
/// by subtraction (a total of 26 beside published cells summing to 25 gives 1).
/// `cells` are one query's cells: each cell's key values (one per grouping key, in
/// the same order) and its count. Any total a recipient can ask for with the same
/// filters is the sum of the cells sharing some of these keys (a grouping by fewer
/// keys, down to the grand total). So, besides every cell counting from 1 to below
/// `min_cell` (primary suppression), within every such group that has a suppressed
/// cell, at least two cells are suppressed and the suppressed cells together count
/// at least `min_cell`; while a group falls short, its smallest published non-zero
/// cell is suppressed too (complementary suppression), until no group falls short.
/// A group that is entirely suppressed and still counts less than `min_cell` is
/// itself a cell below `min_cell` of the coarser query, suppressed there. Returns,
/// per cell, whether it is suppressed; `None` (the holding municipality's own
/// statistics) suppresses nothing.
pub fn suppressed_cells<K: Ord>(cells: &[(Vec<K>, u64)], min_cell: Option<u64>) -> Vec<bool> {
    let Some(min) = min_cell else {
        return vec![false; cells.len()];
    };
    let mut out: Vec<bool> = cells.iter().map(|(_, n)| *n >= 1 && *n < min).collect();
    if !out.iter().any(|s| *s) {
        return out;
    }
    let width = cells
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0)
        .min(16);
    // Every proper subset of the keys is a coarser grouping whose totals are public.
    // The full set is left out by its size, not by comparing with an all-ones mask:
    // its groups are the cells themselves, so including it changes nothing a test
    // could see, and an arithmetic slip in such a mask would go unnoticed.
    let subsets: Vec<u32> = (0..(1u32 << width))
        .filter(|m| m.count_ones() as usize != width)
        .collect();
    let groups: Vec<Vec<Vec<usize>>> = subsets
        .iter()
        .map(|mask| {
            let mut by: std::collections::BTreeMap<Vec<&K>, Vec<usize>> =
                std::collections::BTreeMap::new();
            for (i, (keys, _)) in cells.iter().enumerate() {
                let key: Vec<&K> = keys
                    .iter()
                    .enumerate()
                    .filter(|(d, _)| mask & (1 << d) != 0)
                    .map(|(_, k)| k)
                    .collect();
                by.entry(key).or_default().push(i);
            }
            by.into_values().collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for group in groups.iter().flatten() {
            let (mut n, mut sum) = (0usize, 0u64);
            for &i in group {
                if out[i] {
                    n += 1;
                    sum += cells[i].1;
                }
            }
            if n == 0 || (n >= 2 && sum >= min) {
                continue;
            }
            let smallest = group
                .iter()
                .copied()
                .filter(|&i| !out[i] && cells[i].1 >= 1)
                .min_by_key(|&i| cells[i].1);
            if let Some(i) = smallest {
                out[i] = true;
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn t1_4_4_only_the_states_and_prefectures_statistics_leave_out_municipalities_without_consent()
    {
        for (principal, want) in [
            ("national", true),
            ("prefecture:13", true),
            ("municipality:131016", false),
            ("site:131016", false),
            ("operator", false),
        ] {
            assert_eq!(
                super::statistics_need_consent(principal.parse().unwrap()),
                want,
                "{principal}"
            );
        }
    }

    use super::*;
    use crate::{DocumentId, Facts};

    #[test]
    fn t1_4_5_a_municipality_contributes_to_statistics_only_while_it_consents_to_the_base_terms() {
        let jst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
        let at = |d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap()
                .and_local_timezone(jst)
                .unwrap()
        };
        let m: vrs_domain::MunicipalityCode = "131016".parse().unwrap();
        let mut facts = Facts::default();
        let mut consent = |doc| {
            facts.consents.insert(
                m,
                [(doc, "2021-04-01".parse().unwrap())].into_iter().collect(),
            );
            facts.clone()
        };
        for (what, facts, on, want) in [
            ("no consent", Facts::default(), "2021-12-20", false),
            (
                "terms-2021-03",
                consent(DocumentId::Terms202103),
                "2021-12-20",
                true,
            ),
            (
                "terms-2021-03, before it took effect",
                consent(DocumentId::Terms202103),
                "2021-03-31",
                false,
            ),
            (
                "terms-2021-12-03",
                consent(DocumentId::Terms20211203),
                "2021-12-20",
                true,
            ),
            (
                "the addendum alone",
                consent(DocumentId::Addendum20211203),
                "2021-12-20",
                false,
            ),
        ] {
            assert_eq!(
                contributes_to_statistics(&facts, m, at(on)),
                want,
                "{what} on {on}"
            );
        }
    }

    /// Every group total minus the published cells of that group: never exactly
    /// one unknown cell, and never an unknown sum below the minimum (unless the
    /// group's total is itself below the minimum, hence suppressed where asked).
    #[track_caller]
    fn check_nothing_derivable(cells: &[(Vec<&str>, u64)], min: u64) {
        let s = suppressed_cells(cells, Some(min));
        for (i, (_, n)) in cells.iter().enumerate() {
            if (1..min).contains(n) {
                assert!(s[i], "primary cell {i} must be suppressed");
            }
        }
        let width = cells[0].0.len();
        for mask in 0..(1u32 << width) - 1 {
            // group key -> (suppressed cells, their sum, the group's total)
            let mut groups: std::collections::BTreeMap<Vec<&str>, (usize, u64, u64)> =
                Default::default();
            for (i, (k, n)) in cells.iter().enumerate() {
                let key = (0..width)
                    .filter(|d| mask & (1 << d) != 0)
                    .map(|d| k[d])
                    .collect();
                let g = groups.entry(key).or_default();
                g.2 += n;
                if s[i] {
                    g.0 += 1;
                    g.1 += n;
                }
            }
            for (key, (n, sum, total)) in groups {
                let safe = n == 0 || (n >= 2 && sum >= min) || (sum == total && total < min);
                assert!(
                    safe,
                    "group {key:?} of mask {mask:b}: {n} suppressed summing {sum} of {total}"
                );
            }
        }
    }

    #[test]
    fn t1_4_6_a_suppressed_cell_cannot_be_recovered_from_the_total() {
        // 26 doses: 25 in one municipality, 1 in another. Suppressing the 1 alone
        // lets anyone subtract 25 from the total of 26.
        let cells = [(vec!["131016"], 25), (vec!["131041"], 1)];
        assert_eq!(suppressed_cells(&cells, Some(10)), [true, true]);
        check_nothing_derivable(&cells, 10);
        // The holding municipality's own statistics are exact.
        assert_eq!(suppressed_cells(&cells, None), [false, false]);
        // Nothing small: nothing suppressed.
        let big = [(vec!["131016"], 25), (vec!["131041"], 12)];
        assert_eq!(suppressed_cells(&big, Some(10)), [false, false]);
    }

    #[test]
    fn t1_4_6_two_way_tables_protect_every_row_column_and_the_total() {
        let table: Vec<(Vec<&str>, u64)> = vec![
            (vec!["131016", "1"], 40),
            (vec!["131016", "2"], 3),
            (vec!["131016", "3"], 22),
            (vec!["131041", "1"], 31),
            (vec!["131041", "2"], 17),
            (vec!["131041", "3"], 12),
            (vec!["011002", "1"], 55),
            (vec!["011002", "2"], 14),
            (vec!["011002", "3"], 2),
        ];
        for min in [3, 5, 10, 20] {
            check_nothing_derivable(&table, min);
        }
        let s = suppressed_cells(&table, Some(10));
        assert!(s[1] && s[8], "the primary cells");
        assert!(s.iter().filter(|x| **x).count() >= 4, "{s:?}");
    }

    #[test]
    fn t1_4_6_cells_are_suppressed_for_the_state_and_prefectures_only_never_below_three_nor_below_the_configured_size(
    ) {
        for (who, configured, requested, want) in [
            ("national", None, None, Ok(Some(10))),
            ("prefecture:13", None, Some(5), Ok(Some(10))),
            ("prefecture:13", Some(5), None, Ok(Some(5))),
            ("national", Some(3), Some(20), Ok(Some(20))),
            ("national", Some(3), None, Ok(Some(3))),
            ("municipality:131016", None, None, Ok(None)),
            (
                "national",
                Some(2),
                None,
                Err(StatisticsError::MinCellTooSmall {
                    requested: 2,
                    floor: 3,
                }),
            ),
            (
                "national",
                None,
                Some(2),
                Err(StatisticsError::MinCellTooSmall {
                    requested: 2,
                    floor: 3,
                }),
            ),
        ] {
            let p: Principal = who.parse().unwrap();
            assert_eq!(
                min_cell_size(p, configured, requested),
                want,
                "{who} {configured:?} {requested:?}"
            );
        }
    }
}
