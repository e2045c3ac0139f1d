//! A file of My Numbers (the bulk inquiry for movers): a CSV with a
//! `my_number` (個人番号) column, read all at once and checked row by row.

use std::io::Read;

use crate::csv_input::{locate_columns, utf8_reader, RowError};
use crate::text::ascii_digits;
use crate::MyNumber;

/// Reads every My Number of the file with its line number, or every bad row.
/// The file is small by nature (one municipality's movers), so it is held in memory.
pub fn read_my_numbers<R: Read + Send>(input: R) -> Result<Vec<(u64, MyNumber)>, Vec<RowError>> {
    let (_, text) = utf8_reader(input, None).map_err(|e| vec![RowError::line(1, e.to_string())])?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| vec![RowError::line(1, e.to_string())])?
        .clone();
    let col = locate_columns(&header, &[("my_number", &["個人番号", "my_number"])])?[0];
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError::line(line, "malformed CSV"));
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let cell = r.get(col).unwrap_or("").trim();
                match ascii_digits(cell).parse::<MyNumber>() {
                    Ok(n) => out.push((line, n)),
                    Err(e) => errors.push(RowError {
                        line,
                        column: "my_number".into(),
                        reason: e.to_string().trim_start_matches("my_number: ").to_owned(),
                    }),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Columns of a batch inquiry's result file.
pub const RESULT_HEADER: [&str; 7] = [
    "line",
    "found",
    "dose_number",
    "date",
    "vaccine",
    "lot",
    "vaccinating_municipality",
];

/// One dose in a result file: dose number, date, vaccine, lot, vaccinating municipality.
pub type ResultDose = [String; 5];

/// Writes a batch inquiry's results as CSV: one row per dose, or one row with
/// empty dose columns when the person was not found or has no dose. Rows are
/// keyed by the input file's line number: the My Number is not echoed.
pub fn write_results<W: std::io::Write>(
    out: W,
    rows: impl IntoIterator<Item = (u64, bool, Vec<ResultDose>)>,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(RESULT_HEADER)?;
    for (line, found, doses) in rows {
        let (line, found) = (line.to_string(), found.to_string());
        if doses.is_empty() {
            w.write_record([line.as_str(), found.as_str(), "", "", "", "", ""])?;
        }
        for d in &doses {
            let mut rec = vec![line.as_str(), found.as_str()];
            rec.extend(d.iter().map(String::as_str));
            w.write_record(rec)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_their_lines_and_bad_rows_are_all_reported() {
        let ok = read_my_numbers("個人番号\n123456789018\n５３７６８６６７７１８８\n".as_bytes())
            .unwrap();
        assert_eq!(ok.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 3]);
        let errs =
            read_my_numbers("my_number\n123456789010\n123456789018\nabc\n".as_bytes()).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4]);
        assert!(!format!("{errs:?}").contains("123456789010"));
    }
}
