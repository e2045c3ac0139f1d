//! The bulk dose file of D12-2: a venue's CSV of doses, read row by row.

use std::io::Read;

use crate::csv_input::{locate_columns, Encoding, RowError};
use crate::csv_record::{CsvReader, NextRecord};
use crate::dose::{parse_dose_date, DoseEntry};
use crate::text::{ascii_digits, cell_reason};
use crate::DomainError;

/// Required columns and the headers accepted for each.
pub const DOSE_COLUMNS: [(&str, &[&str]); 4] = [
    ("ocr_line", &["OCRライン", "ocr_line"]),
    ("vaccine", &["ワクチン", "vaccine"]),
    ("lot", &["ロット番号", "lot"]),
    ("date", &["接種日", "date"]),
];

/// Optional columns.
pub const OPTIONAL_DOSE_COLUMNS: [(&str, &[&str]); 2] = [
    ("venue", &["接種会場", "venue"]),
    ("doctor", &["接種医師", "doctor"]),
];

/// A streaming reader of a bulk dose file.
pub struct DoseFile<'a> {
    reader: CsvReader<Box<dyn Read + Send + 'a>>,
    columns: Vec<usize>,
    optional: [Option<usize>; 2],
    failed: bool,
}

impl<'a> DoseFile<'a> {
    /// Opens a dose file, detecting its encoding unless `encoding` is given, and
    /// locates the columns. Header problems are returned as row errors of line 1.
    pub fn open<R: Read + Send + 'a>(
        input: R,
        encoding: Option<Encoding>,
    ) -> Result<Self, Vec<RowError>> {
        let input: Box<dyn Read + Send + 'a> = Box::new(input);
        let (reader, header) = CsvReader::open(input, encoding)?;
        let columns = locate_columns(&header, &DOSE_COLUMNS)?;
        let mut optional = [None, None];
        for (slot, wanted) in optional.iter_mut().zip(OPTIONAL_DOSE_COLUMNS) {
            match locate_columns(&header, &[wanted]) {
                Ok(found) => *slot = found.first().copied(),
                Err(errors) if errors.iter().any(|e| e.reason.contains("more than once")) => {
                    return Err(errors)
                }
                Err(_) => {}
            }
        }
        Ok(Self {
            reader,
            columns,
            optional,
            failed: false,
        })
    }

    /// The encoding the file was read in.
    pub fn encoding(&self) -> Encoding {
        self.reader.encoding()
    }

    /// The next row: `None` at the end, else its line number and the parsed
    /// entry or the list of its problems.
    pub fn next_row(&mut self) -> Option<(u64, Result<DoseEntry, Vec<RowError>>)> {
        if self.failed {
            return None;
        }
        match self.reader.next_record() {
            NextRecord::End => None,
            NextRecord::Row { line, .. } => Some((line, self.parse(line))),
            NextRecord::Bad { error, fatal, .. } => {
                self.failed = fatal;
                Some((error.line, Err(vec![error])))
            }
        }
    }

    fn parse(&self, line: u64) -> Result<DoseEntry, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut note = |column: &str, e: DomainError| {
            errors.push(RowError {
                line,
                column: column.to_owned(),
                reason: cell_reason(&e),
            });
        };
        let record = self.reader.record();
        let cell = |i: usize| record.get(i).map_or("", |c| c.trim());
        let ocr = ascii_digits(cell(self.columns[0]))
            .parse()
            .map_err(|e| note("ocr_line", e))
            .ok();
        let product = cell(self.columns[1])
            .parse()
            .map_err(|e| note("vaccine", e))
            .ok();
        let lot = cell(self.columns[2])
            .parse()
            .map_err(|e| note("lot", e))
            .ok();
        let date = parse_dose_date(cell(self.columns[3]))
            .map_err(|e| note("date", e))
            .ok();
        let optional = |i: usize, column: &str| {
            self.optional[i]
                .map(cell)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .map(|s| (s, column.to_owned()))
        };
        let venue_text = optional(0, "venue");
        let doctor_text = optional(1, "doctor");
        let venue = match venue_text {
            Some((s, c)) => match s.parse() {
                Ok(v) => Some(v),
                Err(e) => {
                    note(&c, e);
                    None
                }
            },
            None => None,
        };
        let doctor = match doctor_text {
            Some((s, c)) => match s.parse() {
                Ok(v) => Some(v),
                Err(e) => {
                    note(&c, e);
                    None
                }
            },
            None => None,
        };
        match (ocr, product, lot, date) {
            (Some(ocr), Some(product), Some(lot), Some(date)) if errors.is_empty() => {
                Ok(DoseEntry {
                    ocr,
                    product,
                    lot,
                    date,
                    venue,
                    doctor,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> Vec<(u64, Result<DoseEntry, Vec<RowError>>)> {
        let mut f = DoseFile::open(text.as_bytes(), None).unwrap();
        std::iter::from_fn(|| f.next_row()).collect()
    }

    #[test]
    fn japanese_headers_and_optional_columns_are_read() {
        let rows = read_all(
            "OCRライン,ワクチン,ロット番号,接種日,接種会場,接種医師\n\
             111310160000000001,comirnaty,FA5765,2021-06-01,千代田区役所,山田医師\n\
             111310160000000002,207,3002183,20210602,,\n",
        );
        let a = rows[0].1.as_ref().unwrap();
        assert_eq!(a.venue.as_ref().unwrap().as_str(), "千代田区役所");
        let b = rows[1].1.as_ref().unwrap();
        assert_eq!((b.product.id(), b.venue.is_none()), ("spikevax", true));
    }

    /// A file whose reading fails after its text (a disk or pipe error).
    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::Other.into())
        }
    }

    #[test]
    fn a_read_error_is_the_last_row_reported() {
        let text = "ocr_line,vaccine,lot,date\n111310160000000001,comirnaty,FA5765,2021-06-01\n";
        let mut f = DoseFile::open(text.as_bytes().chain(Failing), Some(Encoding::Utf8)).unwrap();
        assert_eq!(f.encoding(), Encoding::Utf8);
        assert!(matches!(f.next_row(), Some((2, Ok(_)))));
        let Some((3, Err(errs))) = f.next_row() else {
            panic!("line 3 must be the read error")
        };
        assert_eq!(errs, [RowError::line(3, "read error: other error")]);
        assert!(f.next_row().is_none(), "nothing is read past a read error");
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_line_and_column() {
        let rows =
            read_all("ocr_line,vaccine,lot,date\n111310170000000001,nope,bad lot,2021-13-01\n");
        let errs = rows[0].1.as_ref().unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["ocr_line", "vaccine", "lot", "date"]);
        assert!(errs.iter().all(|e| e.line == 2));
    }

    #[test]
    fn dose_rows_carry_physical_line_numbers_and_a_stray_quote_spoils_only_its_line() {
        let lines = [
            "OCRライン,ワクチン,ロット番号,接種日,備考",
            "111310160000000001,comirnaty,FA5765,2021-06-01,\"unterminated",
            "",
            "111310160000000002,comirnaty,FA5765,2021-13-01,",
            "111310160000000003,comirnaty,FA5765,2021-06-01,ok",
        ];
        for eol in ["\n", "\r\n", "\r"] {
            let rows = read_all(&(lines.join(eol) + eol));
            let got: Vec<(u64, bool)> = rows.iter().map(|(l, r)| (*l, r.is_ok())).collect();
            assert_eq!(got, [(2, false), (4, false), (5, true)], "{eol:?}");
            let errs = rows[1].1.as_ref().unwrap_err();
            assert_eq!((errs[0].line, errs[0].column.as_str()), (4, "date"));
            assert!(!errs[0].reason.contains("2021-13-01"), "{errs:?}");
        }
    }

    #[test]
    fn venue_and_doctor_refuse_bidi_and_zero_width_characters_naming_the_column() {
        let rows = read_all(
            "ocr_line,vaccine,lot,date,venue,doctor\n             111310160000000001,comirnaty,FA5765,2021-06-01,会場\u{202E}A,山\u{200B}田\n             111310160000000002,comirnaty,FA5765,2021-06-01,=HYPERLINK(1),'=1\n",
        );
        let errs = rows[0].1.as_ref().unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["venue", "doctor"]);
        let ok = rows[1].1.as_ref().unwrap();
        assert_eq!(ok.venue.as_ref().unwrap().as_str(), "=HYPERLINK(1)");
        assert_eq!(ok.doctor.as_ref().unwrap().as_str(), "=1");
    }

    #[test]
    fn an_optional_column_given_twice_is_a_header_error() {
        let errs = DoseFile::open(
            "ocr_line,vaccine,lot,date,venue,接種会場\n".as_bytes(),
            None,
        )
        .err()
        .unwrap();
        assert_eq!(
            errs,
            [RowError {
                line: 1,
                column: "venue".into(),
                reason: "column appears more than once".into()
            }]
        );
    }

    #[test]
    fn a_missing_required_column_is_a_header_error() {
        let errs = DoseFile::open("ocr_line,vaccine\n".as_bytes(), None)
            .err()
            .unwrap();
        let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, ["lot", "date"]);
    }
}
