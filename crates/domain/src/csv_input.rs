//! Reading municipal CSV files: encoding detection (UTF-8 with or without BOM,
//! CP932), header lookup by Japanese or English names, row errors with line and column.

use std::io::{BufRead, BufReader, Read};

use encoding_rs::SHIFT_JIS;
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

/// What [`next_record`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextRecord {
    /// A non-blank record, now in the caller's record buffer, starting at this line.
    Row(u64),
    /// A line that could not be read. When `fatal` (an I/O error), nothing after it can be.
    Bad {
        /// The line's error.
        error: RowError,
        /// Whether reading must stop here.
        fatal: bool,
    },
    /// The end of the file.
    End,
}

/// Reads the next non-blank record of a file, with the line it starts on.
pub fn next_record<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
) -> NextRecord {
    loop {
        let line_before = reader.position().line();
        match reader.read_record(record) {
            Ok(false) => return NextRecord::End,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                return NextRecord::Row(record.position().map_or(line_before, |p| p.line()));
            }
            Err(e) => {
                let line = e.position().map_or(line_before, |p| p.line());
                return NextRecord::Bad {
                    error: RowError::line(line, csv_reason(&e)),
                    fatal: !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }),
                };
            }
        }
    }
}

/// A CSV error in words that name no cell's content.
pub fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid text in the file's encoding".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        _ => "malformed CSV".into(),
    }
}

/// How many bytes are looked at to tell UTF-8 from CP932.
const SNIFF: usize = 64 * 1024;

/// Wraps `input` so that it yields UTF-8: detects the encoding from the first
/// 64 KiB (a UTF-8 BOM, or valid UTF-8, means UTF-8; anything else CP932)
/// unless `forced` says which. Streams; never holds the whole file.
pub fn utf8_reader<'a, R: Read + Send + 'a>(
    input: R,
    forced: Option<Encoding>,
) -> std::io::Result<(Encoding, Box<dyn Read + Send + 'a>)> {
    let mut buffered = BufReader::with_capacity(SNIFF, input);
    let head = buffered.fill_buf()?;
    let encoding = forced.unwrap_or_else(|| detect(head));
    Ok(match encoding {
        Encoding::Utf8 => {
            if head.starts_with(b"\xEF\xBB\xBF") {
                buffered.consume(3);
            }
            (encoding, Box::new(buffered))
        }
        Encoding::Cp932 => (
            encoding,
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(SHIFT_JIS))
                    .bom_override(true)
                    .build(buffered),
            ),
        ),
    })
}

fn detect(head: &[u8]) -> Encoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Encoding::Utf8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => Encoding::Utf8,
        // A multi-byte character cut at the end of the sniffed block is still UTF-8.
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Cp932,
    }
}

/// Finds each wanted column in a header row by any of its names.
/// `wanted` lists (canonical name, accepted names); the result holds each
/// column's index, in `wanted` order, or the header errors.
pub fn locate_columns(
    header: &csv::StringRecord,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<usize>, Vec<RowError>> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
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
    header: &csv::StringRecord,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<Option<usize>>, Vec<RowError>> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
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
        let text = "氏名\n黒桐　幹也\n";
        let (sjis, _, _) = SHIFT_JIS.encode(text);
        for (bytes, enc) in [
            (text.as_bytes().to_vec(), Encoding::Utf8),
            (
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                Encoding::Utf8,
            ),
            (sjis.to_vec(), Encoding::Cp932),
        ] {
            let (got, mut r) = utf8_reader(bytes.as_slice(), None).unwrap();
            assert_eq!(got, enc);
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            assert_eq!(s, text, "{enc:?}");
        }
    }

    #[test]
    fn missing_and_repeated_columns_are_named() {
        let h = csv::StringRecord::from(vec!["氏名", "name", "x"]);
        let errs = locate_columns(
            &h,
            &[("name", &["氏名", "name"]), ("sex", &["性別", "sex"])],
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].reason, "column appears more than once");
        assert_eq!(errs[1].column, "sex");
    }
}
