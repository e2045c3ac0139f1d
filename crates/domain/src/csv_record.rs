//! The one CSV record reader of every importer: one record per physical line,
//! line numbers as a text editor counts them, strict RFC 4180 quoting, a bounded
//! record length and per-line decoding, so a bad line is reported where it is.
//!
//! Why not the `csv` crate: its positions are not physical lines for CRLF or
//! CR-only files, a stray quote in any column silently swallows the rest of the
//! file into one field, and a record has no length limit (issue 13, defects 1–2).
//!
//! Rules:
//! - A line ends at LF, CRLF or a lone CR; the header is line 1.
//! - A record is exactly one line. A quoted field may not span lines (municipal
//!   files never hold line breaks in a cell, and no vrs exporter writes one:
//!   free text refuses control characters at entry, S-2-13).
//! - A field is either unquoted and holds no `"`, or quoted from its first to
//!   its last character with inner quotes doubled; anything else is an error of
//!   that line, and reading goes on with the next line.
//! - Every data row has exactly as many fields as the header.
//! - A line longer than [`MAX_RECORD_BYTES`] is an error of that line; the rest of
//!   it is skipped without being held in memory.
//! - A cell that a vrs exporter neutralised against formula injection (a leading
//!   `'` before `=`, `+`, `-`, `@`, tab, CR or `'`) is read back without that `'`
//!   (see [`crate::csv_output`]).

use std::io::{BufRead, BufReader, Read};

use encoding_rs::SHIFT_JIS;

use crate::csv_input::{Encoding, RowError};

/// The longest line (in bytes of the file) an importer accepts.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// How many bytes are looked at to tell UTF-8 from CP932.
const SNIFF: usize = 64 * 1024;

/// What [`CsvReader::next_record`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextRecord {
    /// A well-formed, non-blank record, now in [`CsvReader::record`].
    Row {
        /// The physical line it is on (the header is line 1).
        line: u64,
        /// Its 1-based position among the file's non-blank data lines (good or bad).
        index: u64,
    },
    /// A line that is not exactly one well-formed record. When `fatal` (an I/O
    /// error), nothing after it can be read.
    Bad {
        /// The line's error.
        error: RowError,
        /// Its 1-based position among the file's non-blank data lines.
        index: u64,
        /// Whether reading must stop here.
        fatal: bool,
    },
    /// The end of the file.
    End,
}

/// Reads a municipal CSV file record by record (see the module docs).
pub struct CsvReader<R> {
    input: BufReader<R>,
    encoding: Encoding,
    /// Auto-detected CP932: a non-ASCII line that is valid UTF-8 is a mixed file.
    guard_utf8: bool,
    line: u64,
    index: u64,
    pending_cr: bool,
    raw: Vec<u8>,
    header_len: usize,
    fields: Vec<String>,
}

/// One physical line as read: its bytes are in `raw` unless it was too long.
enum Physical {
    Line { too_long: bool },
    End,
}

impl<R: Read> CsvReader<R> {
    /// Opens a file: detects its encoding (unless `forced`), skips a UTF-8 BOM and
    /// reads the header (line 1). Returns the reader and the header's fields.
    pub fn open(input: R, forced: Option<Encoding>) -> Result<(Self, Vec<String>), Vec<RowError>> {
        let mut input = BufReader::with_capacity(SNIFF, input);
        let head = fill(&mut input).map_err(|e| vec![RowError::line(1, read_error(&e))])?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let encoding = forced.unwrap_or_else(|| detect(head));
        let guard_utf8 = forced.is_none() && encoding == Encoding::Cp932;
        if bom && encoding == Encoding::Utf8 {
            input.consume(3);
        }
        let mut reader = Self {
            input,
            encoding,
            guard_utf8,
            line: 0,
            index: 0,
            pending_cr: false,
            raw: Vec::new(),
            header_len: 0,
            fields: Vec::new(),
        };
        let header = match reader.physical() {
            Err(e) => return Err(vec![RowError::line(1, read_error(&e))]),
            Ok(Physical::End) => return Err(vec![RowError::line(1, "the file is empty")]),
            Ok(Physical::Line { too_long: true }) => return Err(vec![too_long_error(1)]),
            Ok(Physical::Line { too_long: false }) => reader.split().map_err(|e| vec![e])?,
        };
        let header = std::mem::take(header);
        reader.header_len = header.len();
        Ok((reader, header))
    }

    /// The encoding the file is read in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The fields of the last [`NextRecord::Row`].
    pub fn record(&self) -> &[String] {
        &self.fields
    }

    /// Reads the next non-blank line as one record.
    pub fn next_record(&mut self) -> NextRecord {
        loop {
            let too_long = match self.physical() {
                Ok(Physical::End) => return NextRecord::End,
                Ok(Physical::Line { too_long }) => too_long,
                Err(e) => {
                    self.index += 1;
                    return NextRecord::Bad {
                        error: RowError::line(self.line + 1, read_error(&e)),
                        index: self.index,
                        fatal: true,
                    };
                }
            };
            let line = self.line;
            if !too_long && self.raw.iter().all(|b| matches!(b, b' ' | b'\t')) {
                continue;
            }
            self.index += 1;
            let index = self.index;
            let bad = |error| NextRecord::Bad {
                error,
                index,
                fatal: false,
            };
            if too_long {
                return bad(too_long_error(line));
            }
            let expected = self.header_len;
            match self.split() {
                Err(error) => return bad(error),
                Ok(fields) if fields.iter().all(|f| f.trim().is_empty()) => {
                    // A line of empty cells (",,,") is blank, as spreadsheets write it.
                    self.index -= 1;
                    continue;
                }
                Ok(fields) if fields.len() != expected => {
                    let found = fields.len();
                    return bad(RowError::line(
                        line,
                        format!("expected {expected} fields, found {found}"),
                    ));
                }
                Ok(_) => return NextRecord::Row { line, index },
            }
        }
    }

    /// Reads one physical line into `raw` (at most [`MAX_RECORD_BYTES`] of it).
    fn physical(&mut self) -> std::io::Result<Physical> {
        self.raw.clear();
        let mut too_long = false;
        let mut started = false;
        loop {
            let avail = fill(&mut self.input)?;
            if avail.is_empty() {
                self.pending_cr = false;
                if started {
                    self.line += 1;
                    return Ok(Physical::Line { too_long });
                }
                return Ok(Physical::End);
            }
            let mut start = 0;
            if std::mem::take(&mut self.pending_cr) && avail[0] == b'\n' {
                start = 1;
            }
            let rest = &avail[start..];
            let end = rest.iter().position(|&b| b == b'\n' || b == b'\r');
            let chunk = &rest[..end.unwrap_or(rest.len())];
            if self.raw.len() + chunk.len() > MAX_RECORD_BYTES {
                too_long = true;
                self.raw.clear();
            } else if !too_long {
                self.raw.extend_from_slice(chunk);
            }
            match end {
                Some(i) => {
                    self.pending_cr = rest[i] == b'\r';
                    self.input.consume(start + i + 1);
                    self.line += 1;
                    return Ok(Physical::Line { too_long });
                }
                None => {
                    if !rest.is_empty() {
                        started = true;
                    }
                    let n = avail.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// Decodes `raw` and splits it into `fields`.
    fn split(&mut self) -> Result<&mut Vec<String>, RowError> {
        let line = self.line;
        let text: std::borrow::Cow<'_, str> = match self.encoding {
            Encoding::Utf8 => std::str::from_utf8(&self.raw)
                .map_err(|_| RowError::line(line, "not valid UTF-8 (the file is read as utf-8)"))?
                .into(),
            Encoding::Cp932 => {
                if self.guard_utf8 && !self.raw.is_ascii() && std::str::from_utf8(&self.raw).is_ok()
                {
                    return Err(RowError::line(
                        line,
                        "this line is UTF-8 but the file is read as cp932 (mixed encodings)",
                    ));
                }
                SHIFT_JIS
                    .decode_without_bom_handling_and_without_replacement(&self.raw)
                    .ok_or_else(|| {
                        RowError::line(line, "not valid cp932 (the file is read as cp932)")
                    })?
            }
        };
        split_fields(&text, &mut self.fields).map_err(|reason| RowError::line(line, reason))?;
        Ok(&mut self.fields)
    }
}

fn fill<R: Read>(input: &mut BufReader<R>) -> std::io::Result<&[u8]> {
    loop {
        match input.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // Re-borrow: the loop above cannot return the borrow it inspected.
            _ => return input.fill_buf(),
        }
    }
}

fn read_error(e: &std::io::Error) -> String {
    format!("read error: {}", e.kind())
}

fn too_long_error(line: u64) -> RowError {
    RowError::line(
        line,
        format!("line is longer than {MAX_RECORD_BYTES} bytes"),
    )
}

/// Splits one decoded line into fields by the module's quoting rules. The strings
/// of `fields` are reused from record to record (no allocation per cell once warm).
pub fn split_fields(line: &str, fields: &mut Vec<String>) -> Result<(), &'static str> {
    let mut rest = line;
    let mut n = 0;
    loop {
        if n == fields.len() {
            fields.push(String::new());
        }
        let field = &mut fields[n];
        field.clear();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut body = quoted;
            loop {
                let Some(q) = body.find('"') else {
                    return Err("unterminated quoted field");
                };
                field.push_str(&body[..q]);
                body = &body[q + 1..];
                if let Some(after) = body.strip_prefix('"') {
                    field.push('"');
                    body = after;
                } else {
                    break;
                }
            }
            rest = body;
            if !(rest.is_empty() || rest.starts_with(',')) {
                return Err("text after the closing quote of a field");
            }
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            if rest[..end].contains('"') {
                return Err("a quote inside an unquoted field");
            }
            field.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        unneutralise(field);
        n += 1;
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => {
                fields.truncate(n);
                return Ok(());
            }
        }
    }
}

/// Undoes [`crate::csv_output`]'s formula neutralisation: `'=1` reads as `=1`.
fn unneutralise(field: &mut String) {
    let mut chars = field.chars();
    if chars.next() == Some('\'')
        && matches!(
            chars.next(),
            Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
        )
    {
        field.remove(0);
    }
}

/// Tells UTF-8 from CP932 by the first 64 KiB: a BOM, or valid UTF-8, means UTF-8;
/// so does a header line that is non-ASCII UTF-8 (a later line that is not is then
/// reported where it is, not blamed on the header); anything else is CP932.
fn detect(head: &[u8]) -> Encoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Encoding::Utf8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => return Encoding::Utf8,
        // A multi-byte character cut at the end of the sniffed block is still UTF-8.
        Err(e) if e.error_len().is_none() => return Encoding::Utf8,
        Err(_) => {}
    }
    let first = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or(&[]);
    if !first.is_ascii() && std::str::from_utf8(first).is_ok() {
        Encoding::Utf8
    } else {
        Encoding::Cp932
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> Vec<NextRecord> {
        let (mut r, _) = CsvReader::open(bytes, None).unwrap();
        std::iter::from_fn(|| match r.next_record() {
            NextRecord::End => None,
            other => Some(other),
        })
        .collect()
    }

    fn lines(bytes: &[u8]) -> Vec<(u64, bool)> {
        rows(bytes)
            .into_iter()
            .map(|r| match r {
                NextRecord::Row { line, .. } => (line, true),
                NextRecord::Bad { error, .. } => (error.line, false),
                NextRecord::End => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn line_numbers_are_physical_for_lf_crlf_and_cr_files() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "1,2", "", "3,\"x", "4,5", "6,7"].join(eol) + eol;
            assert_eq!(
                lines(text.as_bytes()),
                [(2, true), (4, false), (5, true), (6, true)],
                "{eol:?}"
            );
        }
    }

    #[test]
    fn a_bad_line_is_reported_and_the_next_line_is_read() {
        let text = "a,b,備考\n1,2,\"unterminated\n3,4,ok\n5,6,x\"y\n7,8,\"q\"z\n9,10\n11,12,\"a \"\"b\"\", c\"\n";
        let got = rows(text.as_bytes());
        let reasons: Vec<String> = got
            .iter()
            .map(|r| match r {
                NextRecord::Row { line, .. } => format!("{line} ok"),
                NextRecord::Bad { error, .. } => format!("{} {}", error.line, error.reason),
                NextRecord::End => unreachable!(),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "2 unterminated quoted field",
                "3 ok",
                "4 a quote inside an unquoted field",
                "5 text after the closing quote of a field",
                "6 expected 3 fields, found 2",
                "7 ok",
            ]
        );
    }

    #[test]
    fn quoted_fields_and_neutralised_cells_read_back() {
        let mut f = Vec::new();
        split_fields("\"a,b\",'=1+2,'',\"'-3\",'x,", &mut f).unwrap();
        assert_eq!(f, ["a,b", "=1+2", "'", "-3", "'x", ""]);
    }

    #[test]
    fn a_line_over_the_limit_is_reported_without_being_held() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 1));
        text.extend(b",y\n3,4\n");
        assert_eq!(lines(&text), [(2, true), (3, false), (4, true)]);
        let mut exact = b"a\n".to_vec();
        exact.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES));
        assert_eq!(lines(&exact), [(2, true)]);
    }

    #[test]
    fn a_mixed_encoding_file_is_reported_at_the_first_line_that_does_not_decode() {
        let (sjis, _, _) = SHIFT_JIS.encode("黒桐　幹也");
        // A UTF-8 header, then a CP932 line: line 3 is reported, not the header.
        let mut text = "氏名,番号\n山田　花子,1\n".as_bytes().to_vec();
        text.extend_from_slice(&sjis);
        text.extend_from_slice(b",2\n");
        let (mut r, header) = CsvReader::open(text.as_slice(), None).unwrap();
        assert_eq!(header, ["氏名", "番号"]);
        assert!(matches!(r.next_record(), NextRecord::Row { line: 2, .. }));
        let NextRecord::Bad { error, .. } = r.next_record() else {
            panic!("line 3 must be bad")
        };
        assert_eq!(error.line, 3);
        // A CP932 header, then a UTF-8 line.
        let (head, _, _) = SHIFT_JIS.encode("氏名,番号\n");
        let mut text = head.to_vec();
        text.extend_from_slice("山田　花子,1\n".as_bytes());
        let (mut r, header) = CsvReader::open(text.as_slice(), None).unwrap();
        assert_eq!(
            (r.encoding(), header[0].as_str()),
            (Encoding::Cp932, "氏名")
        );
        assert!(matches!(r.next_record(), NextRecord::Bad { error, .. } if error.line == 2));
    }

    /// A reader that plays a script: some bytes, an interruption or a failure per read.
    struct Script(std::collections::VecDeque<Result<&'static [u8], std::io::ErrorKind>>);

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.pop_front() {
                None => Ok(0),
                Some(Ok(bytes)) => {
                    buf[..bytes.len()].copy_from_slice(bytes);
                    Ok(bytes.len())
                }
                Some(Err(kind)) => Err(kind.into()),
            }
        }
    }

    fn script(steps: &[Result<&'static [u8], std::io::ErrorKind>]) -> Script {
        Script(steps.iter().cloned().collect())
    }

    #[test]
    fn interrupted_reads_are_retried_and_a_read_error_that_persists_is_fatal_at_its_line() {
        use std::io::ErrorKind::{Interrupted, Other};
        let (mut r, header) = CsvReader::open(
            script(&[
                Err(Interrupted),
                Err(Interrupted),
                Ok(b"a,b\n1,2\n"),
                Err(Interrupted),
                Ok(b"3,4\n"),
                // A failed read is tried once more (the buffer lost nothing) ...
                Err(Other),
                Ok(b"5,6\n"),
                // ... and reported when it fails again.
                Err(Other),
                Err(Other),
                Ok(b"7,8\n"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(header, ["a", "b"]);
        assert_eq!(r.next_record(), NextRecord::Row { line: 2, index: 1 });
        assert_eq!(r.record(), ["1", "2"]);
        assert_eq!(r.next_record(), NextRecord::Row { line: 3, index: 2 });
        assert_eq!(r.next_record(), NextRecord::Row { line: 4, index: 3 });
        assert_eq!(r.record(), ["5", "6"]);
        assert_eq!(
            r.next_record(),
            NextRecord::Bad {
                error: RowError::line(5, "read error: other error"),
                index: 4,
                fatal: true
            }
        );
        // Opening a file that cannot be read is a line 1 error, not a hang.
        let errs = CsvReader::open(script(&[Err(Other), Err(Other), Err(Other)]), None)
            .err()
            .unwrap();
        assert_eq!(errs, [RowError::line(1, "read error: other error")]);
    }

    #[test]
    fn lines_of_empty_cells_are_blank_and_not_counted() {
        assert_eq!(
            rows(b"a,b\n1,2\n,\n \t\n , \n3,4\n"),
            [
                NextRecord::Row { line: 2, index: 1 },
                NextRecord::Row { line: 6, index: 2 },
            ]
        );
    }

    #[test]
    fn a_utf8_character_cut_by_the_sniffed_block_still_means_utf8() {
        // An ASCII header of 8 bytes, then 6-byte lines "あ,1\n": the 64 KiB block
        // ends after the first two of the three bytes of an あ.
        let mut text = b"abcd,ef\n".to_vec();
        while text.len() < SNIFF + 6 {
            text.extend_from_slice("あ,1\n".as_bytes());
        }
        assert!(std::str::from_utf8(&text[..SNIFF]).is_err());
        assert_eq!(detect(&text[..SNIFF]), Encoding::Utf8);
        let (mut r, _) = CsvReader::open(text.as_slice(), None).unwrap();
        assert_eq!(r.encoding(), Encoding::Utf8);
        assert_eq!(r.next_record(), NextRecord::Row { line: 2, index: 1 });
        assert_eq!(r.record(), ["あ", "1"]);
        // Bytes that are not UTF-8 anywhere in the block mean CP932.
        assert_eq!(detect(b"a,b\n\x82\xa0,1\n"), Encoding::Cp932);
    }

    #[test]
    fn only_an_auto_detected_cp932_file_refuses_a_utf8_line() {
        // "ア" in UTF-8 (E3 82 A2) is also valid CP932 (two characters): only the
        // detection can tell a pasted UTF-8 line from CP932 text.
        let (head, _, _) = SHIFT_JIS.encode("氏名,番号\n");
        let mut text = head.to_vec();
        text.extend_from_slice("ア,1\n".as_bytes());
        let (mut r, _) = CsvReader::open(text.as_slice(), None).unwrap();
        assert_eq!(r.encoding(), Encoding::Cp932);
        assert_eq!(
            r.next_record(),
            NextRecord::Bad {
                error: RowError::line(
                    2,
                    "this line is UTF-8 but the file is read as cp932 (mixed encodings)"
                ),
                index: 1,
                fatal: false
            }
        );
        // Told the file is CP932, the reader takes the bytes as CP932.
        let (mut r, header) = CsvReader::open(text.as_slice(), Some(Encoding::Cp932)).unwrap();
        assert_eq!(header, ["氏名", "番号"]);
        assert_eq!(r.next_record(), NextRecord::Row { line: 2, index: 1 });
        assert_eq!(r.record(), ["繧｢", "1"]);
    }

    #[test]
    fn an_empty_file_and_a_bad_header_are_line_1_errors() {
        for text in ["", "a,\"b\n"] {
            let errs = CsvReader::open(text.as_bytes(), None).err().unwrap();
            assert_eq!(errs[0].line, 1, "{text:?}");
        }
    }
}
