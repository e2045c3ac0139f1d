//! A file of My Numbers (the bulk inquiry for movers): a CSV with a
//! `my_number` (個人番号) column, read all at once and checked row by row.

use std::io::Read;

use crate::csv_input::{locate_columns, RowError};
use crate::csv_output::push_record;
use crate::csv_record::{CsvReader, NextRecord};
use crate::text::{ascii_digits, cell_reason};
use crate::MyNumber;

/// Where a My Number was in the input file: the key that matches each answer of
/// a batch inquiry to its input row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRow {
    /// Its 1-based position among the file's data rows (blank lines not counted).
    pub row: u64,
    /// The physical line it is on (the header is line 1).
    pub line: u64,
}

/// Reads every My Number of the file with where it was, or every bad row.
/// The file is small by nature (one municipality's movers), so it is held in memory.
pub fn read_my_numbers<R: Read + Send>(
    input: R,
) -> Result<Vec<(InputRow, MyNumber)>, Vec<RowError>> {
    let (mut reader, header) = CsvReader::open(input, None)?;
    let col = locate_columns(&header, &[("my_number", &["個人番号", "my_number"])])?[0];
    let mut out = Vec::new();
    let mut errors = Vec::new();
    loop {
        match reader.next_record() {
            NextRecord::End => break,
            NextRecord::Bad { error, fatal, .. } => {
                errors.push(error);
                if fatal {
                    break;
                }
            }
            NextRecord::Row { line, index } => {
                let cell = reader.record().get(col).map_or("", |c| c.trim());
                match ascii_digits(cell).parse::<MyNumber>() {
                    Ok(n) => out.push((InputRow { row: index, line }, n)),
                    Err(e) => errors.push(RowError {
                        line,
                        column: "my_number".into(),
                        reason: cell_reason(&e),
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
/// keyed by the input row's physical line (`line`, the header is line 1), carried
/// with each number from the reader: the My Number is not echoed. Cells are
/// neutralised against formula injection.
pub fn write_results<W: std::io::Write>(
    mut out: W,
    rows: impl IntoIterator<Item = (InputRow, bool, Vec<ResultDose>)>,
) -> std::io::Result<()> {
    let mut text = String::new();
    push_record(&mut text, RESULT_HEADER, "\n");
    for (at, found, doses) in rows {
        let (line, found) = (at.line.to_string(), found.to_string());
        if doses.is_empty() {
            let cells = [line.as_str(), found.as_str(), "", "", "", "", ""];
            push_record(&mut text, cells, "\n");
        }
        for d in &doses {
            let cells = [line.as_str(), found.as_str()].into_iter();
            push_record(&mut text, cells.chain(d.iter().map(String::as_str)), "\n");
        }
        if text.len() > 64 * 1024 {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_their_lines_and_bad_rows_are_all_reported() {
        let ok = read_my_numbers("個人番号\n123456789018\n５３７６８６６７７１８８\n".as_bytes())
            .unwrap();
        let at: Vec<(u64, u64)> = ok.iter().map(|(a, _)| (a.row, a.line)).collect();
        assert_eq!(at, [(1, 2), (2, 3)]);
        let errs =
            read_my_numbers("my_number\n123456789010\n123456789018\nabc\n".as_bytes()).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4]);
        assert!(!format!("{errs:?}").contains("123456789010"));
    }

    /// A file whose reading fails after its text (a disk or pipe error).
    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::Other.into())
        }
    }

    #[test]
    fn a_read_error_ends_the_file_and_is_its_last_error() {
        let text = "my_number\n123456789010\n123456789018\n";
        let errs = read_my_numbers(text.as_bytes().chain(Failing)).unwrap_err();
        let got: Vec<(u64, &str)> = errs.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(got, [(2, "my_number"), (4, "")]);
        assert_eq!(errs[1].reason, "read error: other error");
        // One unreadable line among good ones fails the whole file.
        let errs = read_my_numbers("my_number\n123456789018\n\"x\n".as_bytes()).unwrap_err();
        assert_eq!(errs, [RowError::line(3, "unterminated quoted field")]);
    }
}
