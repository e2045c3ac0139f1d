//! The resident file of D12-1: a municipality's CSV of residents, read row by row.

use std::io::Read;

use crate::csv_input::{
    csv_reason, locate_columns, locate_optional_columns, next_record, utf8_reader, Encoding,
    NextRecord, RowError,
};
use crate::text::ascii_digits;
use crate::{BirthDate, DomainError, MunicipalityCode, Resident};

/// Canonical column names and the headers accepted for each (D12-1).
pub const RESIDENT_COLUMNS: [(&str, &[&str]); 8] = [
    ("municipality_code", &["自治体コード", "municipality_code"]),
    ("address_number", &["宛名番号", "address_number"]),
    ("my_number", &["個人番号", "my_number"]),
    ("ticket_number", &["接種券番号", "ticket_number"]),
    ("name", &["氏名", "name"]),
    ("name_kana", &["氏名カナ", "name_kana"]),
    ("birth_date", &["生年月日", "birth_date"]),
    ("sex", &["性別", "sex"]),
];

/// Optional columns of a moved-in resident: where they lived before and since when
/// (the same date forms as birth dates). A blank cell means not recorded.
pub const RESIDENT_OPTIONAL_COLUMNS: [(&str, &[&str]); 2] = [
    (
        "previous_municipality_code",
        &["転入前自治体コード", "previous_municipality_code"],
    ),
    ("moved_in_on", &["転入日", "moved_in_on"]),
];

/// A streaming reader of a resident file for one municipality.
///
/// Each call to [`ResidentFile::next_row`] parses one line into a [`Resident`]
/// or into every problem the line has. A row for another municipality is a
/// problem (T1-4-3: each municipality writes only its own area).
pub struct ResidentFile<'a> {
    reader: csv::Reader<Box<dyn Read + Send + 'a>>,
    columns: Vec<usize>,
    optional: Vec<Option<usize>>,
    municipality: MunicipalityCode,
    record: csv::StringRecord,
    encoding: Encoding,
    failed: bool,
}

impl<'a> ResidentFile<'a> {
    /// Opens a resident file, detecting its encoding unless `encoding` is given,
    /// and locates the columns. Header problems are returned as row errors of line 1.
    pub fn open<R: Read + Send + 'a>(
        input: R,
        encoding: Option<Encoding>,
        municipality: MunicipalityCode,
    ) -> Result<Self, Vec<RowError>> {
        let (encoding, text) =
            utf8_reader(input, encoding).map_err(|e| vec![RowError::line(1, e.to_string())])?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text);
        let header = reader
            .headers()
            .map_err(|e| vec![RowError::line(1, csv_reason(&e))])?
            .clone();
        let columns = locate_columns(&header, &RESIDENT_COLUMNS);
        let optional = locate_optional_columns(&header, &RESIDENT_OPTIONAL_COLUMNS);
        let (columns, optional) = match (columns, optional) {
            (Ok(c), Ok(o)) => (c, o),
            (c, o) => {
                let mut errors = c.err().unwrap_or_default();
                errors.extend(o.err().unwrap_or_default());
                return Err(errors);
            }
        };
        Ok(Self {
            reader,
            columns,
            optional,
            municipality,
            record: csv::StringRecord::new(),
            encoding,
            failed: false,
        })
    }

    /// The encoding the file was read in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The next row: `None` at the end, else its line number and the parsed
    /// resident or the list of its problems.
    pub fn next_row(&mut self) -> Option<(u64, Result<Resident, Vec<RowError>>)> {
        if self.failed {
            return None;
        }
        match next_record(&mut self.reader, &mut self.record) {
            NextRecord::End => None,
            NextRecord::Row(line) => Some((line, self.parse(line))),
            NextRecord::Bad { error, fatal } => {
                // An I/O error cannot be read past; it is reported as the last row.
                self.failed = fatal;
                Some((error.line, Err(vec![error])))
            }
        }
    }

    fn parse(&self, line: u64) -> Result<Resident, Vec<RowError>> {
        let mut errors = Vec::new();
        let cell = |i: usize| self.record.get(self.columns[i]).unwrap_or("").trim();
        let mut field = |i: usize, r: Result<(), DomainError>| {
            if let Err(e) = r {
                let column = RESIDENT_COLUMNS[i].0;
                let message = e.to_string();
                let reason = message
                    .strip_prefix(column)
                    .and_then(|m| m.strip_prefix(": "))
                    .unwrap_or(&message)
                    .to_owned();
                errors.push(RowError {
                    line,
                    column: column.to_owned(),
                    reason,
                });
            }
        };
        macro_rules! parse {
            ($i:expr, $digits:expr, $parse:expr) => {{
                let raw = cell($i);
                let text = if $digits {
                    ascii_digits(raw)
                } else {
                    raw.into()
                };
                let r = $parse(text.as_ref());
                let out = r.as_ref().ok().cloned();
                field($i, r.map(|_| ()));
                out
            }};
        }
        let municipality = parse!(0, true, |s: &str| s.parse::<MunicipalityCode>());
        let address_number = parse!(1, true, str::parse);
        let my_number = parse!(2, true, str::parse);
        let ticket_number = parse!(3, true, str::parse);
        let name = parse!(4, false, str::parse);
        let name_kana = parse!(5, false, str::parse);
        let birth_date = parse!(6, false, str::parse);
        let sex = parse!(7, true, str::parse);
        let (previous_municipality, moved_in_on) = self.moved_in(line, &mut errors);
        if let Some(m) = municipality {
            if m != self.municipality {
                errors.push(RowError {
                    line,
                    column: "municipality_code".into(),
                    reason: format!(
                        "row is for {m}, not for the importing municipality {} (T1-4-3)",
                        self.municipality
                    ),
                });
            }
        }
        match (
            municipality,
            address_number,
            my_number,
            ticket_number,
            name,
            name_kana,
            birth_date,
            sex,
        ) {
            (
                Some(municipality),
                Some(address_number),
                Some(my_number),
                Some(ticket_number),
                Some(name),
                Some(name_kana),
                Some(birth_date),
                Some(sex),
            ) if errors.is_empty() => Ok(Resident {
                municipality,
                address_number,
                my_number,
                ticket_number,
                name,
                name_kana,
                birth_date,
                sex,
                previous_municipality,
                moved_in_on,
            }),
            _ => Err(errors),
        }
    }

    /// The optional moved-in columns: blank or absent is `None`; a bad value is an error.
    fn moved_in(
        &self,
        line: u64,
        errors: &mut Vec<RowError>,
    ) -> (Option<MunicipalityCode>, Option<chrono::NaiveDate>) {
        let cell = |i: usize| {
            self.optional[i]
                .and_then(|c| self.record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let mut bad = |i: usize, reason: String| {
            errors.push(RowError {
                line,
                column: RESIDENT_OPTIONAL_COLUMNS[i].0.to_owned(),
                reason,
            })
        };
        let previous = match cell(0).map(|raw| ascii_digits(raw).parse::<MunicipalityCode>()) {
            None => None,
            Some(Ok(m)) if m == self.municipality => {
                bad(0, format!("{m} is the importing municipality itself, not where the person lived before"));
                None
            }
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                bad(0, e.to_string());
                None
            }
        };
        let moved = match cell(1).map(str::parse::<BirthDate>) {
            None => None,
            Some(Ok(d)) => Some(d.date()),
            Some(Err(e)) => {
                let message = e.to_string();
                let reason = message.strip_prefix("birth_date: ").unwrap_or(&message);
                bad(1, reason.to_owned());
                None
            }
        };
        (previous, moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別\n";

    fn read_all(text: &str) -> Vec<(u64, Result<Resident, Vec<RowError>>)> {
        let code = "131016".parse().unwrap();
        let mut f = ResidentFile::open(text.as_bytes(), None, code).unwrap();
        std::iter::from_fn(|| f.next_row()).collect()
    }

    #[test]
    fn a_good_row_parses_with_full_width_digits_and_era_dates() {
        let rows = read_all(&format!(
            "{HEADER}１３１０１６,A1,５３７６８６６７７１８８,0000000001,黒桐　幹也,ｺｸﾄｳ ﾐｷﾔ,昭和55年2月17日,1\n"
        ));
        let (line, r) = &rows[0];
        assert_eq!(*line, 2);
        let r = r.as_ref().unwrap();
        assert_eq!(r.name.family(), "黒桐");
        assert_eq!(r.name_kana.as_str(), "コクトウ\u{3000}ミキヤ");
        assert_eq!(r.birth_date.to_string(), "1980-02-17");
    }

    #[test]
    fn english_headers_in_any_order_are_found() {
        let rows = read_all(
            "sex,name,name_kana,birth_date,municipality_code,address_number,my_number,ticket_number\n\
             2,山田 花子,ヤマダ ハナコ,1990-01-01,131016,7,123456789018,0000000002\n",
        );
        assert!(rows[0].1.is_ok(), "{:?}", rows[0].1);
    }

    #[test]
    fn every_bad_cell_is_reported_and_no_digits_of_a_my_number_leak() {
        let rows = read_all(&format!(
            "{HEADER}131041,A-1,123456789010,12,山田太郎,やまだ,2099-13-01,3\n"
        ));
        let errs = rows[0].1.as_ref().unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            [
                "address_number",
                "my_number",
                "ticket_number",
                "name",
                "name_kana",
                "birth_date",
                "sex",
                "municipality_code"
            ]
        );
        assert!(errs.iter().all(|e| e.line == 2));
        let all = format!("{errs:?}");
        assert!(!all.contains("123456789010"), "{all}");
    }

    #[test]
    fn the_moved_in_columns_are_optional_and_take_the_birth_date_forms() {
        let header = "自治体コード,宛名番号,個人番号,接種券番号,氏名,氏名カナ,生年月日,性別,転入前自治体コード,転入日\n";
        let person = "131016,A1,123456789018,0000000001,山田 太郎,ヤマダ タロウ,1950-01-01,1";
        for (cells, want) in [
            (",", Ok((None, None))),
            (
                "011002,令和4年1月5日",
                Ok((Some("011002"), Some("2022-01-05"))),
            ),
            (
                "０１１００２,2022/01/05",
                Ok((Some("011002"), Some("2022-01-05"))),
            ),
            ("011002,", Ok((Some("011002"), None))),
            ("011003,2022-01-05", Err(vec!["previous_municipality_code"])),
            ("131016,2022-01-05", Err(vec!["previous_municipality_code"])),
            ("011002,2022-02-30", Err(vec!["moved_in_on"])),
            (
                "x,昭和99年1月1日",
                Err(vec!["previous_municipality_code", "moved_in_on"]),
            ),
        ] {
            let rows = read_all(&format!("{header}{person},{cells}\n"));
            let got = match &rows[0].1 {
                Ok(r) => Ok((
                    r.previous_municipality.map(|m| m.to_string()),
                    r.moved_in_on.map(|d| d.to_string()),
                )),
                Err(errs) => Err(errs.iter().map(|e| e.column.clone()).collect::<Vec<_>>()),
            };
            let want = want
                .map(|(m, d)| (m.map(str::to_owned), d.map(str::to_owned)))
                .map_err(|cols| cols.into_iter().map(str::to_owned).collect::<Vec<_>>());
            assert_eq!(got, want, "cells {cells:?}");
        }
    }

    #[test]
    fn english_moved_in_headers_are_found_and_absent_ones_mean_not_recorded() {
        let rows = read_all(
            "municipality_code,address_number,my_number,ticket_number,name,name_kana,birth_date,sex,moved_in_on,previous_municipality_code\n\
             131016,7,123456789018,0000000002,山田 花子,ヤマダ ハナコ,1990-01-01,2,R4.1.5,011002\n",
        );
        let r = rows[0].1.as_ref().unwrap();
        assert_eq!(
            r.previous_municipality.map(|m| m.to_string()).as_deref(),
            Some("011002")
        );
        assert_eq!(
            r.moved_in_on.map(|d| d.to_string()).as_deref(),
            Some("2022-01-05")
        );
        let rows = read_all(&format!(
            "{HEADER}131016,A1,123456789018,0000000001,山田 太郎,ヤマダ タロウ,1950-01-01,1\n"
        ));
        let r = rows[0].1.as_ref().unwrap();
        assert_eq!((r.previous_municipality, r.moved_in_on), (None, None));
    }

    #[test]
    fn a_short_row_is_a_line_error() {
        let rows = read_all(&format!("{HEADER}131016,A1\n"));
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.is_err());
    }

    #[test]
    fn a_missing_column_is_a_header_error() {
        let code = "131016".parse().unwrap();
        let errs = ResidentFile::open("氏名,性別\n".as_bytes(), None, code)
            .err()
            .unwrap();
        assert_eq!(errs.len(), 6);
        assert!(errs.iter().all(|e| e.line == 1));
    }
}
