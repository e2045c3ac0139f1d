//! Reading municipal CSV files: the encodings (UTF-8 with or without BOM, CP932),
//! header lookup by Japanese or English names, row errors with line and column.
//! The records themselves are read by [`crate::csv_record::CsvReader`].

use serde::Serialize;

/// The text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// CP932 (Windows Shift_JIS), what municipal systems usually write.
    Cp932,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "cp932" | "shift_jis" | "sjis" | "windows-31j" => Ok(Self::Cp932),
            _ => Err(format!("unknown encoding {s:?}: expected utf-8 or cp932")),
        }
    }
}

/// One problem with one cell (or the header) of an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// The column's canonical (English) name, or `""` for a whole-row problem.
    pub column: String,
    /// Why the value was refused; never contains a My Number's digits.
    pub reason: String,
}

impl RowError {
    /// A problem with a whole line (e.g. wrong number of fields).
    pub fn line(line: u64, reason: impl Into<String>) -> Self {
        Self {
            line,
            column: String::new(),
            reason: reason.into(),
        }
    }
}

/// Finds each wanted column in a header row by any of its names.
/// `wanted` lists (canonical name, accepted names); the result holds each
/// column's index, in `wanted` order, or the header errors.
pub fn locate_columns(
    header: &[String],
    wanted: &[(&str, &[&str])],
) -> Result<Vec<usize>, Vec<RowError>> {
    let names: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut found = Vec::with_capacity(wanted.len());
    let mut errors = Vec::new();
    for (canonical, aliases) in wanted {
        let hits: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| aliases.iter().any(|a| a.eq_ignore_ascii_case(n)))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [i] => found.push(*i),
            [] => errors.push(RowError {
                line: 1,
                column: (*canonical).to_owned(),
                reason: format!("missing column (header {})", aliases.join(" or ")),
            }),
            _ => errors.push(RowError {
                line: 1,
                column: (*canonical).to_owned(),
                reason: "column appears more than once".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// Finds each optional column in a header row by any of its names: `None` where
/// the header lacks it. A column named more than once is a line-1 error.
pub fn locate_optional_columns(
    header: &[String],
    wanted: &[(&str, &[&str])],
) -> Result<Vec<Option<usize>>, Vec<RowError>> {
    let names: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut found = Vec::with_capacity(wanted.len());
    let mut errors = Vec::new();
    for (canonical, aliases) in wanted {
        let mut hits = names
            .iter()
            .enumerate()
            .filter(|(_, n)| aliases.iter().any(|a| a.eq_ignore_ascii_case(n)))
            .map(|(i, _)| i);
        let first = hits.next();
        if hits.next().is_some() {
            errors.push(RowError {
                line: 1,
                column: (*canonical).to_owned(),
                reason: "column appears more than once".into(),
            });
        }
        found.push(first);
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_bom_and_cp932() {
        use crate::csv_record::CsvReader;
        let text = "氏名\n黒桐　幹也\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        for (bytes, enc) in [
            (text.as_bytes().to_vec(), Encoding::Utf8),
            (
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                Encoding::Utf8,
            ),
            (sjis.to_vec(), Encoding::Cp932),
        ] {
            let (mut r, header) = CsvReader::open(bytes.as_slice(), None).unwrap();
            assert_eq!((r.encoding(), header), (enc, vec!["氏名".to_owned()]));
            r.next_record();
            assert_eq!(r.record(), ["黒桐　幹也"], "{enc:?}");
        }
    }

    #[test]
    fn missing_and_repeated_columns_are_named() {
        let h = ["氏名", "name", "x"].map(String::from);
        let errs = locate_columns(
            &h,
            &[("name", &["氏名", "name"]), ("sex", &["性別", "sex"])],
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].reason, "column appears more than once");
        assert_eq!(errs[1].column, "sex");
        assert_eq!(errs[1].reason, "missing column (header 性別 or sex)");
        assert_eq!(errs[1].line, 1);
        // Headers are trimmed and English names match in any case.
        let h = [" Sex ", "x", "氏名"].map(String::from);
        assert_eq!(
            locate_columns(
                &h,
                &[("name", &["氏名", "name"]), ("sex", &["性別", "sex"])]
            ),
            Ok(vec![2, 0])
        );
    }

    #[test]
    fn encodings_are_named_as_municipal_systems_name_them() {
        for (name, want) in [
            ("utf-8", Ok(Encoding::Utf8)),
            ("UTF8", Ok(Encoding::Utf8)),
            ("cp932", Ok(Encoding::Cp932)),
            ("Shift_JIS", Ok(Encoding::Cp932)),
            ("sjis", Ok(Encoding::Cp932)),
            ("Windows-31J", Ok(Encoding::Cp932)),
            (
                "latin1",
                Err("unknown encoding \"latin1\": expected utf-8 or cp932".to_owned()),
            ),
        ] {
            assert_eq!(name.parse::<Encoding>(), want, "{name:?}");
        }
    }
}
