//! Which dose-count table a statistics query reads (the smallest that holds its
//! keys and filters) and the summing of its rows in memory, keyed by integers,
//! with the output cells formatted once at the end (both backends).

use std::collections::{BTreeMap, HashMap};

use vrs_domain::MunicipalityCode;

use super::{corrupt, StatKey, StatRow};
use crate::StoreError;

/// A table of dose counts: the fine `dose_counts` or one of its rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `dose_counts_by_band`: no date.
    ByBand,
    /// `dose_counts_by_date`: no age band.
    ByDate,
    /// `dose_counts`: every key.
    Fine,
}

impl Source {
    /// The smallest table that holds the keys `by` and, when `dated`, the date
    /// the query is filtered on.
    pub(crate) fn pick(by: &[StatKey], dated: bool) -> Self {
        let date = dated || by.contains(&StatKey::Date);
        match (date, by.contains(&StatKey::AgeBand)) {
            (false, _) => Self::ByBand,
            (true, false) => Self::ByDate,
            (true, true) => Self::Fine,
        }
    }

    /// The table's name.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Self::ByBand => "dose_counts_by_band",
            Self::ByDate => "dose_counts_by_date",
            Self::Fine => "dose_counts",
        }
    }

    /// The columns to select after `municipality`: one per key of `by`, in
    /// order, each the table's plain column (no per-row formatting).
    pub(crate) fn columns(by: &[StatKey]) -> String {
        by.iter()
            .map(|k| match k {
                StatKey::Date => ", date",
                StatKey::Dose => ", dose_number",
                StatKey::Vaccine => ", product",
                StatKey::AgeBand => ", age_band",
                StatKey::Municipality => ", municipality",
            })
            .collect()
    }
}

/// The most keys a query can group by (each key at most once).
const MAX_KEYS: usize = 5;

/// One key's value as read from a row.
pub(crate) enum Value<'a> {
    /// A text column (date, product, age band).
    Text(&'a str),
    /// An integer column (dose number, municipality).
    Int(i64),
}

/// Counts summed per municipality and group key, the text values interned.
pub(crate) struct Tally<'a> {
    by: &'a [StatKey],
    /// Per key position: text value → id, and id → text value.
    ids: Vec<HashMap<Box<str>, u32>>,
    texts: Vec<Vec<Box<str>>>,
    sums: HashMap<(u32, [i64; MAX_KEYS]), i64>,
}

impl<'a> Tally<'a> {
    pub(crate) fn new(by: &'a [StatKey]) -> Self {
        Self {
            by,
            ids: vec![HashMap::new(); by.len()],
            texts: vec![Vec::new(); by.len()],
            sums: HashMap::new(),
        }
    }

    /// The key of one row's values (`values[i]` for `by[i]`).
    pub(crate) fn key<'v, E>(
        &mut self,
        values: impl Iterator<Item = Result<Value<'v>, E>>,
    ) -> Result<[i64; MAX_KEYS], StoreError>
    where
        StoreError: From<E>,
    {
        let mut key = [0i64; MAX_KEYS];
        for (i, v) in values.enumerate() {
            let v = v?;
            let slot = key
                .get_mut(i)
                .ok_or_else(|| corrupt(format!("more than {MAX_KEYS} statistics keys")))?;
            *slot = match v {
                Value::Int(n) => n,
                Value::Text(s) => match self.ids[i].get(s) {
                    Some(id) => i64::from(*id),
                    None => {
                        let id = self.texts[i].len() as u32;
                        self.texts[i].push(s.into());
                        self.ids[i].insert(s.into(), id);
                        i64::from(id)
                    }
                },
            };
        }
        Ok(key)
    }

    /// Adds `n` doses of `municipality` to the cell `key`.
    pub(crate) fn add(&mut self, municipality: u32, key: [i64; MAX_KEYS], n: i64) {
        *self.sums.entry((municipality, key)).or_default() += n;
    }

    /// The cells in key order: only the municipalities `include` admits are
    /// summed, and a municipality's cell of no dose counts nothing (as a SQL
    /// `GROUP BY` per municipality and key, then merged).
    pub(crate) fn finish(
        self,
        include: &dyn Fn(MunicipalityCode) -> bool,
    ) -> Result<Vec<StatRow>, StoreError> {
        let mut admitted: HashMap<u32, bool> = HashMap::new();
        let mut merged: HashMap<[i64; MAX_KEYS], u64> = HashMap::new();
        for ((m, key), n) in self.sums {
            let ok = match admitted.get(&m) {
                Some(ok) => *ok,
                None => {
                    let ok = include(MunicipalityCode::from_u32(m).map_err(corrupt)?);
                    admitted.insert(m, ok);
                    ok
                }
            };
            if ok && n > 0 {
                *merged.entry(key).or_default() += n as u64;
            }
        }
        let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        if self.by.is_empty() {
            cells.insert(Vec::new(), 0);
        }
        for (key, n) in merged {
            let values = self
                .by
                .iter()
                .enumerate()
                .map(|(i, k)| match k {
                    StatKey::Dose => Ok(key[i].to_string()),
                    StatKey::Municipality => Ok(format!("{:06}", key[i])),
                    StatKey::Date | StatKey::Vaccine | StatKey::AgeBand => self.texts[i]
                        .get(key[i] as usize)
                        .map(|s| s.to_string())
                        .ok_or_else(|| corrupt("a statistics key out of range")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            *cells.entry(values).or_default() += n;
        }
        Ok(cells
            .into_iter()
            .map(|(values, count)| StatRow {
                keys: self.by.iter().map(|k| k.name()).zip(values).collect(),
                count,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_table_that_holds_the_keys_and_the_date_filter_is_read() {
        use StatKey::*;
        let cases: &[(&[StatKey], bool, Source)] = &[
            (&[], false, Source::ByBand),
            (&[Municipality, Dose], false, Source::ByBand),
            (&[Municipality, Dose, AgeBand], false, Source::ByBand),
            (&[Vaccine], false, Source::ByBand),
            (&[], true, Source::ByDate),
            (&[Date, Vaccine], false, Source::ByDate),
            (&[Municipality, Dose], true, Source::ByDate),
            (&[AgeBand], true, Source::Fine),
            (&[Date, AgeBand], false, Source::Fine),
        ];
        for (by, dated, want) in cases {
            assert_eq!(Source::pick(by, *dated), *want, "{by:?}, dated {dated}");
        }
    }

    #[test]
    fn cells_merge_municipalities_in_key_order_and_skip_the_excluded_and_empty() {
        let by = [StatKey::Municipality, StatKey::Date, StatKey::Dose];
        let mut t = Tally::new(&by);
        let rows: &[(u32, &str, i64, i64)] = &[
            (131016, "2021-06-02", 1, 3),
            (131016, "2021-06-01", 2, 4),
            (131016, "2021-06-01", 2, 1),
            (131041, "2021-06-01", 10, 0),
            (11002, "2021-06-01", 1, 7),
            (131059, "2021-06-01", 1, 9),
        ];
        for (m, d, k, n) in rows {
            let key = t
                .key(
                    [Value::Int(i64::from(*m)), Value::Text(d), Value::Int(*k)]
                        .into_iter()
                        .map(Ok::<_, StoreError>),
                )
                .unwrap();
            t.add(*m, key, *n);
        }
        let out = t.finish(&|m| m.as_u32() != 131059).unwrap();
        let got: Vec<(Vec<&str>, u64)> = out
            .iter()
            .map(|r| (r.keys.iter().map(|(_, v)| v.as_str()).collect(), r.count))
            .collect();
        assert_eq!(
            got,
            vec![
                (vec!["011002", "2021-06-01", "1"], 7),
                (vec!["131016", "2021-06-01", "2"], 5),
                (vec!["131016", "2021-06-02", "1"], 3),
            ]
        );
    }

    #[test]
    fn no_key_is_one_total_even_of_nothing() {
        let t = Tally::new(&[]);
        let out = t.finish(&|_| true).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].keys.len(), out[0].count), (0, 0));
    }
}
