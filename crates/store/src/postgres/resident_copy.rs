//! Residents on PostgreSQL: streaming a resident file into a binary COPY,
//! parsing on a worker thread while this thread seals and encodes the rows
//! into large COPY messages and the server stores them.

use std::io::Write;

use postgres::Transaction;
use vrs_domain::MunicipalityCode;

use vrs_domain::csv_input::RowError;
use vrs_domain::Resident;

use crate::residents::{own_area, seal_one, send_in_batches, ImportOutcome};
use crate::{Keyring, StoreError};

/// Where the rows go, and so which columns each carries.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// The staging table `resident_stage` (its columns, with the line).
    Stage,
    /// A detached partition opened for a first load (the table's own
    /// columns: the municipality and the import's batch number, no line).
    Partition { municipality: i32, batch: i64 },
}

/// The columns of `resident_stage`, in the order they are sent.
pub(super) const STAGE_COLUMNS: &str = "line, address_number, my_number_index, \
    my_number_sealed, ticket_number, name, name_kana, birth_date, sex, \
    previous_municipality, moved_in_on";

/// The columns of a residents partition, in the order they are sent.
pub(super) const PARTITION_COLUMNS: &str = "municipality, address_number, my_number_index, \
    my_number_sealed, ticket_number, name, name_kana, birth_date, sex, import_batch, \
    previous_municipality, moved_in_on";

/// Bytes encoded before they go to the server as one COPY message.
const CHUNK: usize = 256 * 1024;

/// What was sent, beyond the outcome's errors.
pub(super) struct Sent {
    /// Rows sent, in file order.
    pub(super) rows: u64,
    /// The line of each row sent, by its position.
    pub(super) lines: Lines,
    /// SHA-256 over each row's keys in the order sent (see `first_load_copy.sql`).
    pub(super) digest: Vec<u8>,
}

/// The line of each row sent, by position (0 for the first row sent), kept as
/// runs of consecutive lines: a file without gaps is one run, so memory grows
/// with the bad rows (already reported) and not with the file.
#[derive(Debug, Default)]
pub(super) struct Lines {
    /// (first position, first line) of each run, positions increasing.
    runs: Vec<(u64, u64)>,
    sent: u64,
}

impl Lines {
    fn push(&mut self, line: u64) {
        match self.runs.last() {
            Some(&(at, first)) if first + (self.sent - at) == line => {}
            _ => self.runs.push((self.sent, line)),
        }
        self.sent += 1;
    }

    /// The line of the row sent at `position`, if one was.
    pub(super) fn line_of(&self, position: u64) -> Option<u64> {
        if position >= self.sent {
            return None;
        }
        let run = self.runs.partition_point(|&(at, _)| at <= position);
        let (at, first) = self.runs[run.checked_sub(1)?];
        Some(first + (position - at))
    }
}

/// Streams `rows` into the COPY `sql` (binary, the columns of `target`):
/// bad rows go to `out.errors`; a sealing failure stops everything. Two
/// stages: a worker reads and parses the file; this thread seals, indexes
/// and encodes each good row and hands the server 256 KiB at a time.
pub(super) fn copy_rows<I>(
    tx: &mut Transaction<'_>,
    sql: &str,
    target: Target,
    keys: &Keyring,
    municipality: MunicipalityCode,
    rows: I,
    out: &mut ImportOutcome,
) -> Result<Sent, StoreError>
where
    I: Iterator<Item = (u64, Result<Resident, Vec<RowError>>)> + Send,
{
    let mut sink = tx.copy_in(sql)?;
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes()); // flags
    buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    let mut lines = Lines::default();
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut sealer = None;
    std::thread::scope(|scope| -> Result<(), StoreError> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Parsed>>(8);
        scope.spawn(move || parse_rows(rows, municipality, &send));
        for (line, parsed) in receive.iter().flatten() {
            let r = match parsed {
                Ok(r) => r,
                Err(mut errs) => {
                    out.errors.append(&mut errs);
                    continue;
                }
            };
            let (sealed, index) = seal_one(&mut sealer, keys, municipality, &r.my_number)?;
            encode(&mut buf, line, &r, &index, &sealed, target);
            keys_digest(&mut digest, &r, &index);
            lines.push(line);
            if buf.len() >= CHUNK {
                sink.write_all(&buf).map_err(io)?;
                buf.clear();
            }
        }
        Ok(())
    })?;
    buf.extend_from_slice(&(-1i16).to_be_bytes()); // trailer
    sink.write_all(&buf).map_err(io)?;
    let rows = sink.finish()?;
    Ok(Sent {
        rows,
        digest: digest.finish().as_ref().to_vec(),
        lines,
    })
}

/// A row as the worker parsed it: the resident of the importing
/// municipality, or the row's errors.
type Parsed = (u64, Result<Resident, Vec<RowError>>);

/// The worker stage: reads and parses the rows and sends them in file order,
/// in batches. Stops when the receiver has gone (an error upstream).
fn parse_rows(
    rows: impl Iterator<Item = Parsed>,
    municipality: MunicipalityCode,
    send: &std::sync::mpsc::SyncSender<Vec<Parsed>>,
) {
    let parsed = rows.map(|(line, row)| (line, own_area(line, row, municipality)));
    send_in_batches(parsed, send);
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Postgres {
        reason: format!("COPY: {e}"),
    }
}

/// The keys a first load's problems are found by, in the order sent:
/// the address number's length and bytes, the ticket number, the blind index.
fn keys_digest(digest: &mut ring::digest::Context, r: &Resident, index: &[u8; 32]) {
    let address = r.address_number.as_str().as_bytes();
    digest.update(&(address.len() as i32).to_be_bytes());
    digest.update(address);
    digest.update(&(r.ticket_number.as_u64() as i64).to_be_bytes());
    digest.update(index);
}

/// One row in PostgreSQL's binary COPY format: the field count, then each
/// field's length (-1 for NULL) and its bytes in the column type's binary
/// form (int2/int4/int8 big-endian, text as UTF-8, bytea as is).
fn encode(
    buf: &mut Vec<u8>,
    line: u64,
    r: &Resident,
    index: &[u8; 32],
    sealed: &[u8],
    target: Target,
) {
    let fields: i16 = match target {
        Target::Stage => 11,
        Target::Partition { .. } => 12,
    };
    buf.extend_from_slice(&fields.to_be_bytes());
    match target {
        Target::Stage => int8(buf, line as i64),
        Target::Partition { municipality, .. } => int4(buf, municipality),
    }
    bytes(buf, r.address_number.as_str().as_bytes());
    bytes(buf, index);
    bytes(buf, sealed);
    int8(buf, r.ticket_number.as_u64() as i64);
    text(buf, &r.name);
    bytes(buf, r.name_kana.as_str().as_bytes());
    text(buf, &r.birth_date);
    buf.extend_from_slice(&2i32.to_be_bytes());
    buf.extend_from_slice(&i16::from(r.sex.code()).to_be_bytes());
    if let Target::Partition { batch, .. } = target {
        int8(buf, batch);
    }
    match r.previous_municipality {
        Some(p) => int4(buf, p.as_u32() as i32),
        None => null(buf),
    }
    match r.moved_in_on {
        Some(d) => text(buf, &d),
        None => null(buf),
    }
}

/// A text field written from its `Display` form, its length filled in after.
fn text(buf: &mut Vec<u8>, v: &dyn std::fmt::Display) {
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{v}");
    let len = (buf.len() - at - 4) as i32;
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

fn int4(buf: &mut Vec<u8>, v: i32) {
    buf.extend_from_slice(&4i32.to_be_bytes());
    buf.extend_from_slice(&v.to_be_bytes());
}

fn int8(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&8i32.to_be_bytes());
    buf.extend_from_slice(&v.to_be_bytes());
}

fn bytes(buf: &mut Vec<u8>, v: &[u8]) {
    buf.extend_from_slice(&(v.len() as i32).to_be_bytes());
    buf.extend_from_slice(v);
}

fn null(buf: &mut Vec<u8>) {
    buf.extend_from_slice(&(-1i32).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn lines_are_found_by_position_across_gaps() {
        let sent = [2u64, 3, 4, 7, 8, 10, 11, 12, 13, 20];
        let mut lines = Lines::default();
        for l in sent {
            lines.push(l);
        }
        assert_eq!(lines.runs, [(0, 2), (3, 7), (5, 10), (9, 20)]);
        for (position, line) in sent.iter().enumerate() {
            assert_eq!(
                lines.line_of(position as u64),
                Some(*line),
                "position {position}"
            );
        }
        assert_eq!(lines.line_of(sent.len() as u64), None);
        assert_eq!(Lines::default().line_of(0), None);
    }

    #[test]
    fn a_file_without_gaps_is_one_run() {
        let mut lines = Lines::default();
        for l in 2..100_002 {
            lines.push(l);
        }
        assert_eq!(lines.runs, [(0, 2)]);
        assert_eq!(lines.line_of(99_999), Some(100_001));
    }
}
