//! The dose-count rollups on both backends (`both!`): for random doses
//! (registered, corrected, deleted) over two municipalities, every statistics
//! query (each set of keys, with and without a date range) equals the answer of
//! the fine aggregate (all five keys, read from `dose_counts`) summed down to the
//! keys asked, and the total equals the doses the test saw registered.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use vrs::domain::{parse_dose_date, DoseEntry, OcrLine};
use vrs::{Answer, Correction, Principal, StatKey, StatQuery, Vrs};

use super::{consenting, done, import, Backend};
use crate::support::{my_number, HEADER};

fn p(s: &str) -> Principal {
    s.parse().unwrap()
}

/// xorshift64*: the test's random choices, the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn date_plus(from: &str, days: u64) -> NaiveDate {
    parse_dose_date(from).unwrap() + chrono::Days::new(days)
}

const KEYS: [&str; 5] = ["date", "dose", "vaccine", "age-band", "municipality"];

/// The cells of `who`'s statistics by `by` within `from..=to`: key values → count.
fn cells(
    vrs: &mut Vrs,
    who: &str,
    by: &[&str],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<(Vec<(String, String)>, u64)> {
    let q = StatQuery {
        by: by.iter().map(|k| k.parse::<StatKey>().unwrap()).collect(),
        from,
        to,
        ..StatQuery::default()
    };
    let Answer::Done(s) = vrs.dose_statistics(p(who), &q).unwrap() else {
        panic!("{who} refused statistics by {by:?}")
    };
    s.rows
        .into_iter()
        .map(|c| {
            let keys = c.keys.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            (
                keys,
                c.count.expect("a municipality's own counts are exact"),
            )
        })
        .collect()
}

fn rollups_answer_as_the_fine_aggregate(backend: Backend) {
    let Some((_dir, mut vrs)) = consenting(backend) else {
        return;
    };
    let mut rng = Rng(0x5eed_1234_abcd_0012);
    let municipalities = ["131016", "131041"];
    let products = ["comirnaty", "spikevax"];
    let mut active: BTreeMap<&str, u64> = BTreeMap::new();
    for m in municipalities {
        // Residents of every age band, born 1925 to 2009.
        let mut csv = HEADER.to_owned();
        for i in 1..=30u64 {
            let year = 1925 + rng.below(85);
            let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
            csv.push_str(&format!(
                "{m},A{i},{},{i:010},山田\u{3000}太郎{i},ヤマダ\u{3000}タロウ,{year}-{month:02}-{day:02},1\n",
                my_number(i + u64::from(m.parse::<u32>().unwrap()) * 1000),
            ));
        }
        let who = p(&format!("municipality:{m}"));
        assert!(import(&mut vrs, who, &csv).committed);
        let mut registered = Vec::new();
        for ticket in 1..=30u64 {
            let product = products[rng.below(2) as usize];
            let first = rng.below(120);
            let mut day = first;
            for dose in 1..=(1 + rng.below(3)) {
                let entry = DoseEntry {
                    ocr: format!("1{dose}{m}{ticket:010}")
                        .parse::<OcrLine>()
                        .unwrap(),
                    product: product.parse().unwrap(),
                    lot: "FA5765".parse().unwrap(),
                    date: date_plus("2021-04-01", day),
                    venue: Some("区役所".parse().unwrap()),
                    doctor: None,
                };
                if let Ok(r) = done(vrs.register_dose(who, &entry).unwrap()) {
                    registered.push(r.dose_id);
                }
                day += 21 + rng.below(60);
            }
        }
        let mut count = registered.len() as u64;
        assert!(count > 20, "{m}: only {count} doses were admitted");
        // Move some doses to another date (a cell down, another up), delete others.
        for (i, id) in registered.iter().enumerate() {
            if i % 5 == 0 {
                let fix = Correction {
                    date: Some(date_plus("2021-04-01", rng.below(200))),
                    ..Correction::default()
                };
                let _ = done(vrs.correct_dose(who, *id, &fix, "test").unwrap());
            } else if i % 7 == 0 && done(vrs.delete_dose(who, *id, "test").unwrap()).is_ok() {
                count -= 1;
            }
        }
        active.insert(m, count);
    }

    let ranges = [
        (None, None),
        (Some(date_plus("2021-06-15", 0)), None),
        (None, Some(date_plus("2021-07-31", 0))),
        (
            Some(date_plus("2021-05-01", 0)),
            Some(date_plus("2021-08-31", 0)),
        ),
    ];
    for m in municipalities {
        let who = format!("municipality:{m}");
        let total = cells(&mut vrs, &who, &[], None, None);
        assert_eq!(
            total,
            vec![(vec![], active[m])],
            "{backend:?} {m}: the total"
        );
        for (from, to) in ranges {
            let fine = cells(&mut vrs, &who, &KEYS, from, to);
            for mask in 0..32u32 {
                // Each set of keys, in the list's order and reversed.
                let mut by: Vec<&str> = (0..5)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| KEYS[i])
                    .collect();
                // Reversed too for the whole range (the key order is the output's).
                for reversed in [false, true] {
                    if reversed && (from, to) != (None, None) {
                        continue;
                    }
                    if reversed {
                        by.reverse();
                    }
                    let mut want: BTreeMap<Vec<String>, u64> = BTreeMap::new();
                    if by.is_empty() {
                        want.insert(Vec::new(), 0);
                    }
                    for (keys, n) in &fine {
                        let values = by
                            .iter()
                            .map(|k| {
                                let name = k.replace('-', "_");
                                keys.iter().find(|(kk, _)| *kk == name).unwrap().1.clone()
                            })
                            .collect();
                        *want.entry(values).or_default() += n;
                    }
                    let want: Vec<(Vec<String>, u64)> = want.into_iter().collect();
                    let got: Vec<(Vec<String>, u64)> = cells(&mut vrs, &who, &by, from, to)
                        .into_iter()
                        .map(|(keys, n)| (keys.into_iter().map(|(_, v)| v).collect(), n))
                        .collect();
                    assert_eq!(
                        got, want,
                        "{backend:?} {m} by {by:?} from {from:?} to {to:?}"
                    );
                }
            }
        }
    }
}

super::both!(rollups_answer_as_the_fine_aggregate);
