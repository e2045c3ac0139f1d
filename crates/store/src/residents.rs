//! Residents: the all-or-nothing import (D12-1), lookups and counts, each scoped
//! by an `Allowed` proof to one municipality's partition.

use rusqlite::{params, ErrorCode, OptionalExtension};

use crate::group::Transaction;
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::csv_input::RowError;
use vrs_domain::{
    AddressNumber, BirthDate, KanaName, MunicipalityCode, MyNumber, PersonName, Resident, Sex,
    TicketNumber,
};

use crate::audit::{self, AuditEvent};
use crate::{Keyring, Store, StoreError};

/// How a resident is looked up within one municipality.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// By the municipality's address number (宛名番号).
    AddressNumber(AddressNumber),
    /// By vaccination ticket number.
    TicketNumber(TicketNumber),
    /// By My Number (through its blind index).
    MyNumber(MyNumber),
}

/// What an import did, or would have done (dry run), or why it did nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// New residents.
    pub imported: u64,
    /// Residents whose values changed (previous values kept in history).
    pub updated: u64,
    /// Rows identical to what was held.
    pub unchanged: u64,
    /// Every bad row; when non-empty, nothing was written.
    pub errors: Vec<RowError>,
    /// Whether the changes were kept (false for a dry run or when there were errors).
    pub committed: bool,
    /// The audit event of a committed import.
    pub audit_seq: Option<i64>,
}

/// The event of an action `allowed` by a rule, about `subject`, with `detail`.
pub(crate) fn event<'a>(
    allowed: &'a Allowed,
    subject: Option<[u8; 32]>,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    AuditEvent::allowed(allowed)
        .about(subject)
        .with_detail(detail)
}

struct Held {
    batch: i64,
    index: Vec<u8>,
    ticket: i64,
    name: String,
    kana: String,
    birth: String,
    sex: i64,
    previous: Option<u32>,
    moved_in_on: Option<String>,
}

fn unique_column(e: &rusqlite::Error) -> Option<&'static str> {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = e {
        if f.code == ErrorCode::ConstraintViolation {
            if msg.contains("my_number_index") {
                return Some("my_number");
            }
            if msg.contains("ticket_number") {
                return Some("ticket_number");
            }
            if msg.contains("address_number") {
                return Some("address_number");
            }
        }
    }
    None
}

impl Store {
    /// Imports residents into the one partition `allowed` names, all or nothing:
    /// every row is checked (also against the rows already held and the rows
    /// before it), and if any row is bad the transaction rolls back and the outcome
    /// lists every bad row. A committed import writes one audit event in the same
    /// transaction. Streams: memory does not grow with the file.
    pub fn import_residents<I>(
        &mut self,
        allowed: &Allowed,
        rows: I,
        dry_run: bool,
        detail: serde_json::Value,
    ) -> Result<ImportOutcome, StoreError>
    where
        I: IntoIterator<Item = (u64, Result<Resident, Vec<RowError>>)>,
        I::IntoIter: Send,
    {
        let municipality = allowed.partition_for(Action::ImportResidents)?;
        let keys = &self.keys;
        let tx = backend!(mut self, pg => pg.import_residents(
            &self.keys, allowed, rows, dry_run, detail,
        ))
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let batch: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", [], |r| {
                r.get(0)
            })?;
        let mut out = ImportOutcome::default();
        // Two stages on two threads: parsing, sealing and blind-indexing on a
        // worker, SQLite on this thread. Batches keep the channel cheap; the
        // bounded channel keeps memory flat however large the file.
        let rows = rows.into_iter();
        std::thread::scope(|scope| -> Result<(), StoreError> {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(4);
            scope.spawn(move || prepare_rows(rows, keys, municipality, &send));
            for prepared in receive.iter().flatten() {
                match prepared {
                    Prepared::Bad(mut errs) => out.errors.append(&mut errs),
                    Prepared::Sealing(e) => return Err(e),
                    Prepared::Row(row) => apply_row(&tx, &row, batch, municipality, &mut out)?,
                }
            }
            Ok(())
        })?;
        if !out.errors.is_empty() {
            tx.rollback()?;
            // Nothing was kept: no count may suggest otherwise.
            return Ok(ImportOutcome {
                errors: out.errors,
                ..ImportOutcome::default()
            });
        }
        if dry_run {
            tx.rollback()?;
            return Ok(out);
        }
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("imported".into(), out.imported.into());
            map.insert("updated".into(), out.updated.into());
            map.insert("unchanged".into(), out.unchanged.into());
        }
        // The municipality's resident count moves with the rows, in this transaction.
        tx.prepare_cached(
            "INSERT INTO resident_counts (municipality, n) VALUES (?1, ?2)
             ON CONFLICT (municipality) DO UPDATE SET n = n + excluded.n",
        )?
        .execute(params![municipality.as_u32(), out.imported as i64])?;
        out.audit_seq = Some(audit::append(&tx, keys, &event(allowed, None, detail))?);
        tx.commit()?;
        out.committed = true;
        Ok(out)
    }

    /// Looks one resident up in the partition `allowed` names, auditing the read.
    pub fn find_resident(
        &mut self,
        allowed: &Allowed,
        lookup: &Lookup,
    ) -> Result<Option<Resident>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadResident)?;
        let m = municipality.as_u32();
        let tx = backend!(mut self, pg => pg.find_resident(&self.keys, allowed, lookup))
            .transaction()?;
        const COLS: &str = RESIDENT_COLUMNS;
        let found = {
            let mut stmt;
            let mut rows = match lookup {
                Lookup::AddressNumber(a) => {
                    stmt = tx.prepare_cached(&format!("SELECT {COLS} FROM residents WHERE municipality = ?1 AND address_number = ?2"))?;
                    stmt.query(params![m, a.as_str()])?
                }
                Lookup::TicketNumber(t) => {
                    stmt = tx.prepare_cached(&format!("SELECT {COLS} FROM residents WHERE municipality = ?1 AND ticket_number = ?2"))?;
                    stmt.query(params![m, t.as_u64() as i64])?
                }
                Lookup::MyNumber(n) => {
                    stmt = tx.prepare_cached(&format!("SELECT {COLS} FROM residents WHERE municipality = ?1 AND my_number_index = ?2"))?;
                    stmt.query(params![
                        m,
                        self.keys.blind_index(n, municipality)?.as_slice()
                    ])?
                }
            };
            match rows.next()? {
                None => None,
                Some(r) => {
                    let index: Vec<u8> = r.get(1)?;
                    let resident = resident_from_row(&self.keys, municipality, r)?;
                    let mut subject = [0u8; 32];
                    if index.len() == 32 {
                        subject.copy_from_slice(&index);
                    }
                    Some((resident, subject))
                }
            }
        };
        let subject = match (&found, lookup) {
            (Some((_, s)), _) => Some(*s),
            (None, Lookup::MyNumber(n)) => Some(self.keys.blind_index(n, municipality)?),
            (None, _) => None,
        };
        let detail = serde_json::json!({
            "by": match lookup { Lookup::AddressNumber(_) => "address_number", Lookup::TicketNumber(_) => "ticket_number", Lookup::MyNumber(_) => "my_number" },
            "found": found.is_some(),
        });
        audit::append(&tx, &self.keys, &event(allowed, subject, detail))?;
        tx.commit()?;
        Ok(found.map(|(r, _)| r))
    }

    /// The residents of the partition `allowed` names born on `birth` whose kana
    /// name starts with `kana` (at most `limit`, by kana name), auditing the search.
    pub fn search_residents(
        &mut self,
        allowed: &Allowed,
        kana: &str,
        birth: &BirthDate,
        limit: u32,
    ) -> Result<Vec<Resident>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadResident)?;
        let tx =
            backend!(mut self, pg => pg.search_residents(&self.keys, allowed, kana, birth, limit))
                .transaction()?;
        let found = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents
                 WHERE municipality = ?1 AND birth_date = ?2 AND substr(name_kana, 1, ?3) = ?4
                 ORDER BY name_kana, address_number LIMIT ?5"
            ))?;
            let mut rows = stmt.query(params![
                municipality.as_u32(),
                birth.to_string(),
                kana.chars().count() as i64,
                kana,
                limit
            ])?;
            let mut found = Vec::new();
            while let Some(r) = rows.next()? {
                found.push(resident_from_row(&self.keys, municipality, r)?);
            }
            found
        };
        let detail = serde_json::json!({ "by": "kana_name_birth_date", "found": found.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(found)
    }

    /// Counts the residents of the partition `allowed` names, auditing the query.
    pub fn count_residents(&mut self, allowed: &Allowed) -> Result<u64, StoreError> {
        let municipality = allowed.partition_for(Action::CountResidents)?;
        let tx = backend!(mut self, pg => pg.count_residents(&self.keys, allowed)).transaction()?;
        // Kept in every resident write's transaction (migrations 12 and 13).
        let n: i64 = tx.query_row(
            "SELECT coalesce((SELECT n FROM resident_counts WHERE municipality = ?1), 0)",
            [municipality.as_u32()],
            |r| r.get(0),
        )?;
        audit::append(
            &tx,
            &self.keys,
            &event(allowed, None, serde_json::json!({ "count": n })),
        )?;
        tx.commit()?;
        Ok(n as u64)
    }
}

/// The columns [`resident_from_row`] reads, in its order.
pub(crate) const RESIDENT_COLUMNS: &str = "address_number, my_number_index, my_number_sealed, ticket_number, name, name_kana, birth_date, sex, previous_municipality, moved_in_on";

/// A resident of `municipality` from a row of [`RESIDENT_COLUMNS`], its My
/// Number opened under the municipality's key.
pub(crate) fn resident_from_row(
    keys: &Keyring,
    municipality: MunicipalityCode,
    r: &rusqlite::Row<'_>,
) -> Result<Resident, StoreError> {
    let sealed: Vec<u8> = r.get(2)?;
    Ok(Resident {
        municipality,
        address_number: parse_col(r.get::<_, String>(0)?, "address_number")?,
        my_number: keys.open(&sealed, municipality)?,
        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(3)? as u64).map_err(|e| {
            StoreError::Corrupt {
                what: e.to_string(),
            }
        })?,
        name: parse_col::<PersonName>(r.get(4)?, "name")?,
        name_kana: parse_col::<KanaName>(r.get(5)?, "name_kana")?,
        birth_date: parse_col::<BirthDate>(r.get(6)?, "birth_date")?,
        sex: parse_col::<Sex>(r.get::<_, i64>(7)?.to_string(), "sex")?,
        previous_municipality: r
            .get::<_, Option<u32>>(8)?
            .map(|m| {
                MunicipalityCode::from_u32(m).map_err(|e| StoreError::Corrupt {
                    what: e.to_string(),
                })
            })
            .transpose()?,
        moved_in_on: r
            .get::<_, Option<String>>(9)?
            .map(|d| parse_col(d, "moved_in_on"))
            .transpose()?,
    })
}

pub(crate) fn parse_col<T: std::str::FromStr>(value: String, column: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| StoreError::Corrupt {
        what: format!("residents.{column}: {e}"),
    })
}

/// One row after the worker stage: checked, sealed and indexed, or its errors.
pub(crate) enum Prepared {
    Row(Row),
    Bad(Vec<RowError>),
    Sealing(StoreError),
}

/// A good row with everything the SQL needs computed off the SQLite thread.
pub(crate) struct Row {
    pub(crate) line: u64,
    pub(crate) resident: Resident,
    pub(crate) index: [u8; 32],
    pub(crate) sealed: Vec<u8>,
    pub(crate) name: String,
    pub(crate) birth: String,
}

const BATCH: usize = 512;

/// One row by itself: insert, update with history, or the reason it is refused.
fn apply_row(
    tx: &Transaction<'_>,
    row: &Row,
    batch: i64,
    municipality: MunicipalityCode,
    out: &mut ImportOutcome,
) -> Result<(), StoreError> {
    let line = row.line;
    match upsert(tx, row, batch) {
        Ok(Upsert::Inserted) => out.imported += 1,
        Ok(Upsert::Updated) => out.updated += 1,
        Ok(Upsert::Unchanged) => out.unchanged += 1,
        Ok(Upsert::Repeated) => out.errors.push(RowError {
            line,
            column: "address_number".into(),
            reason: "address number repeats an earlier line of this file".into(),
        }),
        Err(e) => match unique_column(&e) {
            Some(column) => out.errors.push(RowError {
                line,
                column: column.into(),
                reason: format!("another resident of {municipality} already has this {column}"),
            }),
            None => return Err(e.into()),
        },
    }
    Ok(())
}

/// The worker stage: reads rows, seals and indexes the good ones, and sends
/// them in file order. Stops when the receiver has gone (an error upstream).
pub(crate) fn prepare_rows(
    rows: impl Iterator<Item = (u64, Result<Resident, Vec<RowError>>)>,
    keys: &crate::Keyring,
    municipality: MunicipalityCode,
    send: &std::sync::mpsc::SyncSender<Vec<Prepared>>,
) {
    let mut sealer = None;
    let prepared = rows.map(|(line, row)| match own_area(line, row, municipality) {
        Err(errs) => Prepared::Bad(errs),
        Ok(r) => match seal_one(&mut sealer, keys, municipality, &r.my_number) {
            Ok((sealed, index)) => Prepared::Row(Row {
                line,
                index,
                name: r.name.to_string(),
                birth: r.birth_date.to_string(),
                resident: r,
                sealed,
            }),
            Err(e) => Prepared::Sealing(e),
        },
    });
    send_in_batches(prepared, send);
}

/// Sends `items` in file order, [`BATCH`] at a time; stops when the receiver
/// has gone (an error upstream).
pub(crate) fn send_in_batches<T>(
    items: impl Iterator<Item = T>,
    send: &std::sync::mpsc::SyncSender<Vec<T>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    for item in items {
        batch.push(item);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if send.send(full).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = send.send(batch);
    }
}

/// A parsed row, or its errors; a row of another municipality than the
/// importing one is a bad row.
pub(crate) fn own_area(
    line: u64,
    row: Result<Resident, Vec<RowError>>,
    municipality: MunicipalityCode,
) -> Result<Resident, Vec<RowError>> {
    match row {
        Ok(r) if r.municipality != municipality => Err(vec![RowError {
            line,
            column: "municipality_code".into(),
            reason: format!(
                "row is for {}, not for {municipality} ({})",
                r.municipality,
                vrs_consent::grounds::OWN_AREA
            ),
        }]),
        row => row,
    }
}

/// The sealed My Number and its blind index, under the municipality's own
/// keys (looked up when the first good row needs them).
pub(crate) fn seal_one<'k>(
    sealer: &mut Option<crate::keyring::Sealer<'k>>,
    keys: &'k crate::Keyring,
    municipality: MunicipalityCode,
    n: &vrs_domain::MyNumber,
) -> Result<(Vec<u8>, [u8; 32]), StoreError> {
    let s = match sealer {
        Some(s) => s,
        None => sealer.insert(keys.sealer(municipality)?),
    };
    Ok((s.seal(n)?, s.blind_index(n)))
}

enum Upsert {
    Inserted,
    Updated,
    Unchanged,
    Repeated,
}

fn upsert(tx: &Transaction<'_>, p: &Row, batch: i64) -> Result<Upsert, rusqlite::Error> {
    let (r, index, sealed) = (&p.resident, &p.index, &p.sealed);
    let m = r.municipality.as_u32();
    let ticket = r.ticket_number.as_u64() as i64;
    let name = &p.name;
    let birth = &p.birth;
    let sex = i64::from(r.sex.code());
    let previous = r.previous_municipality.map(|m| m.as_u32());
    let moved_in_on = r.moved_in_on.map(|d| d.to_string());
    // The insert and the update bind the same values in the same order.
    let values = params![
        m,
        r.address_number.as_str(),
        index.as_slice(),
        sealed,
        ticket,
        name,
        r.name_kana.as_str(),
        birth,
        sex,
        batch,
        previous,
        moved_in_on
    ];
    let inserted = tx
        .prepare_cached(
            "INSERT INTO residents (municipality, address_number, my_number_index, my_number_sealed,
                 ticket_number, name, name_kana, birth_date, sex, import_batch,
                 previous_municipality, moved_in_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (municipality, address_number) DO NOTHING",
        )?
        .execute(values)?;
    if inserted == 1 {
        return Ok(Upsert::Inserted);
    }
    let held: Held = tx
        .prepare_cached(
            "SELECT import_batch, my_number_index, ticket_number, name, name_kana, birth_date, sex,
                 previous_municipality, moved_in_on
             FROM residents WHERE municipality = ?1 AND address_number = ?2",
        )?
        .query_row(params![m, r.address_number.as_str()], |row| {
            Ok(Held {
                batch: row.get(0)?,
                index: row.get(1)?,
                ticket: row.get(2)?,
                name: row.get(3)?,
                kana: row.get(4)?,
                birth: row.get(5)?,
                sex: row.get(6)?,
                previous: row.get(7)?,
                moved_in_on: row.get(8)?,
            })
        })
        .optional()?
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    if held.batch == batch {
        return Ok(Upsert::Repeated);
    }
    let same = held.index == index
        && held.ticket == ticket
        && held.name == *name
        && held.kana == r.name_kana.as_str()
        && held.birth == *birth
        && held.sex == sex
        && held.previous == previous
        && held.moved_in_on == moved_in_on;
    let key = params![m, r.address_number.as_str(), batch];
    if same {
        tx.prepare_cached(
            "UPDATE residents SET import_batch = ?3 WHERE municipality = ?1 AND address_number = ?2",
        )?
        .execute(key)?;
        return Ok(Upsert::Unchanged);
    }
    tx.prepare_cached(
        "INSERT INTO resident_history (municipality, address_number, replaced_by_batch,
             my_number_index, my_number_sealed, ticket_number, name, name_kana, birth_date, sex,
             import_batch, previous_municipality, moved_in_on)
         SELECT municipality, address_number, ?3, my_number_index, my_number_sealed,
             ticket_number, name, name_kana, birth_date, sex, import_batch,
             previous_municipality, moved_in_on
         FROM residents WHERE municipality = ?1 AND address_number = ?2",
    )?
    .execute(key)?;
    tx.prepare_cached(
        "UPDATE residents SET my_number_index = ?3, my_number_sealed = ?4, ticket_number = ?5,
             name = ?6, name_kana = ?7, birth_date = ?8, sex = ?9, import_batch = ?10,
             previous_municipality = ?11, moved_in_on = ?12
         WHERE municipality = ?1 AND address_number = ?2",
    )?
    .execute(values)?;
    Ok(Upsert::Updated)
}
