//! A population file (the denominators of the national release's coverage): a CSV
//! with `municipality_code` (自治体コード), `age_band` (年齢階級) and `population`
//! (人口) columns, one row per municipality and ten-year age band.

use std::collections::BTreeMap;
use std::io::Read;

use crate::csv_input::{locate_columns, RowError};
use crate::csv_record::{CsvReader, NextRecord};
use crate::text::ascii_digits;
use crate::MunicipalityCode;

/// The columns of a population file.
pub const POPULATION_COLUMNS: [(&str, &[&str]); 3] = [
    ("municipality_code", &["自治体コード", "municipality_code"]),
    ("age_band", &["年齢階級", "age_band"]),
    ("population", &["人口", "population"]),
];

/// The ten-year age bands of the statistics (as [`crate::age_band`] names them).
pub const AGE_BANDS: [&str; 10] = [
    "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+",
];

/// No municipality has more people than this (Japan: about 125 million in all).
pub const MAX_POPULATION: u64 = 200_000_000;

/// Rows a population file may hold: every municipality and ward times every band.
pub const MAX_ROWS: usize = 2_000 * AGE_BANDS.len();

/// Population by (municipality, age band).
pub type Population = BTreeMap<(MunicipalityCode, &'static str), u64>;

/// Reads a population file, all or nothing: every bad row is reported (line,
/// column, reason) and then nothing is returned. A (municipality, band) given
/// twice is an error.
pub fn read_population<R: Read + Send>(input: R) -> Result<Population, Vec<RowError>> {
    let (mut reader, header) = CsvReader::open(input, None)?;
    let cols = locate_columns(&header, &POPULATION_COLUMNS)?;
    let mut out = Population::new();
    let mut errors = Vec::new();
    let mut rows = 0usize;
    loop {
        let line = match reader.next_record() {
            NextRecord::End => break,
            NextRecord::Bad { error, fatal, .. } => {
                errors.push(error);
                if fatal {
                    break;
                }
                continue;
            }
            NextRecord::Row { line, .. } => line,
        };
        rows += 1;
        if rows > MAX_ROWS {
            errors.push(RowError::line(
                line,
                format!("more than {MAX_ROWS} rows: not a population file"),
            ));
            break;
        }
        let record = reader.record();
        let cell = |i: usize| record.get(cols[i]).map_or("", |c| c.trim());
        let mut bad = |column: &str, reason: String| {
            errors.push(RowError {
                line,
                column: column.to_owned(),
                reason,
            })
        };
        let m = ascii_digits(cell(0)).parse::<MunicipalityCode>();
        if let Err(e) = &m {
            bad("municipality_code", e.to_string());
        }
        let band = AGE_BANDS.iter().find(|b| **b == cell(1)).copied();
        if band.is_none() {
            bad(
                "age_band",
                format!("expected one of {}", AGE_BANDS.join(", ")),
            );
        }
        let n = ascii_digits(cell(2))
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= MAX_POPULATION);
        if n.is_none() {
            bad(
                "population",
                format!("expected a whole number from 0 to {MAX_POPULATION}"),
            );
        }
        if let (Ok(m), Some(band), Some(n)) = (m, band, n) {
            if out.insert((m, band), n).is_some() {
                bad("age_band", format!("{m} {band} is given twice"));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_population_file_is_read_whole_or_every_bad_row_is_reported() {
        let good =
            "自治体コード,年齢階級,人口\n011002,0-9,1000\n011002,90+,２０\n131016,20-29,300\n";
        let p = read_population(good.as_bytes()).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[&("011002".parse().unwrap(), "90+")], 20);
        for (row, column) in [
            ("011003,0-9,1", "municipality_code"),
            ("011002,0-10,1", "age_band"),
            ("011002,0-9,-1", "population"),
            ("011002,0-9,300000000", "population"),
            ("011002,0-9,1000", "age_band"),
        ] {
            let text = format!("municipality_code,age_band,population\n011002,0-9,5\n{row}\n");
            let errs = read_population(text.as_bytes()).unwrap_err();
            assert_eq!(errs.len(), 1, "{row}: {errs:?}");
            assert_eq!(
                (errs[0].line, errs[0].column.as_str()),
                (3, column),
                "{row}"
            );
        }
    }

    #[test]
    fn a_file_of_more_than_max_rows_is_refused_at_the_first_row_too_many() {
        let too_many = |errs: &[RowError]| {
            errs.iter()
                .filter(|e| e.reason.starts_with("more than"))
                .map(|e| e.line)
                .collect::<Vec<_>>()
        };
        let file = |rows: usize| {
            let mut text = String::from("municipality_code,age_band,population\n");
            text.push_str(&"011002,0-9,1\n".repeat(rows));
            text
        };
        // Every row after the first repeats (011002, 0-9): errors, but not too many rows.
        let errs = read_population(file(MAX_ROWS).as_bytes()).unwrap_err();
        assert_eq!(too_many(&errs), [] as [u64; 0]);
        let errs = read_population(file(MAX_ROWS + 1).as_bytes()).unwrap_err();
        assert_eq!(too_many(&errs), [MAX_ROWS as u64 + 2]);
    }
}
