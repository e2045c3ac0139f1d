//! Residents on PostgreSQL: the all-or-nothing import by binary COPY into a
//! staging table and set-based INSERT … SELECT (COPY FROM is refused on tables
//! with row-level security), lookups and counts.

use postgres::types::{ToSql, Type};
use vrs_consent::{Action, Allowed};
use vrs_domain::csv_input::RowError;
use vrs_domain::{MunicipalityCode, Resident, TicketNumber};

use super::area_statistics::{know_area, Loaded};
use super::audit::{self, HEAD_COLUMNS};
use super::first_load::{close_copy, copy_problems, first_load, open_copy, FirstLoad};
use super::resident_copy::{copy_rows, Target, PARTITION_COLUMNS, STAGE_COLUMNS};
use super::{Pg, Scope};
use crate::residents::{event, parse_col, ImportOutcome, Lookup};
use crate::{Keyring, StoreError};

/// The staging table: one import's good rows, dropped at commit.
const STAGE: &str = "CREATE TEMP TABLE resident_stage (
        line                  bigint   NOT NULL,
        address_number        text     NOT NULL,
        my_number_index       bytea    NOT NULL,
        my_number_sealed      bytea    NOT NULL,
        ticket_number         bigint   NOT NULL,
        name                  text     NOT NULL,
        name_kana             text     NOT NULL,
        birth_date            text     NOT NULL,
        sex                   smallint NOT NULL,
        previous_municipality integer,
        moved_in_on           text
    ) ON COMMIT DROP";

/// Each staged line that cannot be kept: a repeated address number, or a
/// My Number or ticket number another resident (of the file or held) has.
const PROBLEMS: &str = "
    SELECT line, problem FROM (
        SELECT line,
            CASE WHEN ra > 1 THEN 'address_number'
                 WHEN ri > 1 OR EXISTS (SELECT 1 FROM residents r WHERE r.municipality = $1
                         AND r.my_number_index = s.my_number_index
                         AND r.address_number <> s.address_number) THEN 'my_number'
                 WHEN rt > 1 OR EXISTS (SELECT 1 FROM residents r WHERE r.municipality = $1
                         AND r.ticket_number = s.ticket_number
                         AND r.address_number <> s.address_number) THEN 'ticket_number'
            END AS problem
        FROM (SELECT line, address_number, my_number_index, ticket_number,
                  row_number() OVER (PARTITION BY address_number ORDER BY line) AS ra,
                  row_number() OVER (PARTITION BY my_number_index ORDER BY line) AS ri,
                  row_number() OVER (PARTITION BY ticket_number ORDER BY line) AS rt
              FROM resident_stage) s
    ) p WHERE problem IS NOT NULL ORDER BY line";

/// The values a held row is compared on (the sealed My Number is sealed anew
/// each time, so its blind index stands for it).
const DIFFERS: &str =
    "(r.my_number_index, r.ticket_number, r.name, r.name_kana, r.birth_date, r.sex,
        r.previous_municipality, r.moved_in_on)
    IS DISTINCT FROM (s.my_number_index, s.ticket_number, s.name, s.name_kana, s.birth_date, s.sex,
        s.previous_municipality, s.moved_in_on)";

impl Pg {
    /// [`crate::Store::import_residents`] on PostgreSQL.
    pub(crate) fn import_residents<I>(
        &self,
        keys: &Keyring,
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
        let m = municipality.as_u32() as i32;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        // The import's audit event takes this number: residents.import_batch.
        let batch: i64 = tx.query_one("SELECT nextval('audit_seq')", &[])?.get(0);
        let rows = rows.into_iter();
        let mut out = ImportOutcome::default();
        // A partition that has never held a row (the first load of a fresh
        // database): the rows go by COPY straight into it, detached, and its
        // indexes are built when it is attached again (first_load_copy.sql).
        if let Some(part) = open_copy(&mut tx, batch)? {
            let sql = format!("COPY {part} ({PARTITION_COLUMNS}) FROM STDIN (FORMAT binary)");
            let target = Target::Partition {
                municipality: m,
                batch,
            };
            let sent = copy_rows(&mut tx, &sql, target, keys, municipality, rows, &mut out)?;
            if out.errors.is_empty() && close_copy(&mut tx)? {
                out.imported = sent.rows;
                return self.finish_import(tx, keys, allowed, out, (m, batch), dry_run, detail);
            }
            // A bad row, or a value repeated within the file: name each line.
            for (position, column) in copy_problems(&mut tx, &sent.digest)? {
                let line = sent
                    .lines
                    .line_of(position)
                    .ok_or_else(|| StoreError::Corrupt {
                        what: format!("the first load has no row at position {position}"),
                    })?;
                out.errors.push(problem(line, &column, municipality));
            }
            return refuse(tx, out);
        }
        tx.batch_execute(STAGE)?;
        let sql = format!("COPY resident_stage ({STAGE_COLUMNS}) FROM STDIN (FORMAT binary)");
        copy_rows(
            &mut tx,
            &sql,
            Target::Stage,
            keys,
            municipality,
            rows,
            &mut out,
        )?;
        // A partition holding no row of any municipality but that held some
        // once (rows since erased, or an import by this path rolled back):
        // the staged rows go in with the partition's indexes built after the
        // load (see first_load.sql, ACCESS EXCLUSIVE on residents meanwhile). A value repeated within the file makes an
        // index build fail: the set-based check below names each line.
        let mut repeated = false;
        if out.errors.is_empty() {
            match first_load(&mut tx, batch)? {
                FirstLoad::Loaded(n) => {
                    out.imported = n;
                    return self.finish_import(tx, keys, allowed, out, (m, batch), dry_run, detail);
                }
                FirstLoad::Repeated => repeated = true,
                FirstLoad::Declined => {}
            }
        }
        // A municipality holding no residents yet (its first import, or every
        // import of a national load): the staged rows go in with one plain
        // INSERT … SELECT, and only when a unique index refuses it (a value
        // repeated within the file, the one problem an empty area can have)
        // does the set-based check below run to name each line.
        let empty = !repeated
            && !tx
                .query_typed_one(
                    "SELECT EXISTS (SELECT 1 FROM residents WHERE municipality = $1)",
                    &[(&m, Type::INT4)],
                )?
                .get::<_, bool>(0);
        if empty && out.errors.is_empty() {
            tx.batch_execute("SAVEPOINT fresh")?;
            match tx.execute_typed(
                "INSERT INTO residents (municipality, address_number, my_number_index,
                     my_number_sealed, ticket_number, name, name_kana, birth_date, sex,
                     import_batch, previous_municipality, moved_in_on)
                 SELECT $1, address_number, my_number_index, my_number_sealed, ticket_number,
                     name, name_kana, birth_date, sex, $2, previous_municipality, moved_in_on
                 FROM resident_stage",
                &[(&m, Type::INT4), (&batch, Type::INT8)],
            ) {
                Ok(n) => {
                    out.imported = n;
                    return self.finish_import(tx, keys, allowed, out, (m, batch), dry_run, detail);
                }
                Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    tx.batch_execute("ROLLBACK TO SAVEPOINT fresh")?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.batch_execute("ANALYZE resident_stage")?;
        for p in tx.query(PROBLEMS, &[&m])? {
            out.errors
                .push(problem(p.get::<_, i64>(0) as u64, p.get(1), municipality));
        }
        if !out.errors.is_empty() {
            return refuse(tx, out);
        }
        out.updated = tx.execute(
            &format!(
                "INSERT INTO resident_history (municipality, address_number, replaced_by_batch,
                     my_number_index, my_number_sealed, ticket_number, name, name_kana, birth_date,
                     sex, import_batch, previous_municipality, moved_in_on)
                 SELECT r.municipality, r.address_number, $2, r.my_number_index, r.my_number_sealed,
                     r.ticket_number, r.name, r.name_kana, r.birth_date, r.sex, r.import_batch,
                     r.previous_municipality, r.moved_in_on
                 FROM residents r JOIN resident_stage s
                     ON r.municipality = $1 AND r.address_number = s.address_number
                 WHERE {DIFFERS}"
            ),
            &[&m, &batch],
        )?;
        tx.execute(
            &format!(
                "UPDATE residents r SET my_number_index = s.my_number_index,
                     my_number_sealed = s.my_number_sealed, ticket_number = s.ticket_number,
                     name = s.name, name_kana = s.name_kana, birth_date = s.birth_date, sex = s.sex,
                     import_batch = $2, previous_municipality = s.previous_municipality,
                     moved_in_on = s.moved_in_on
                 FROM resident_stage s
                 WHERE r.municipality = $1 AND r.address_number = s.address_number AND {DIFFERS}"
            ),
            &[&m, &batch],
        )?;
        out.unchanged = tx.execute(
            "UPDATE residents r SET import_batch = $2 FROM resident_stage s
             WHERE r.municipality = $1 AND r.address_number = s.address_number
               AND r.import_batch <> $2",
            &[&m, &batch],
        )?;
        out.imported = tx.execute(
            "INSERT INTO residents (municipality, address_number, my_number_index, my_number_sealed,
                 ticket_number, name, name_kana, birth_date, sex, import_batch,
                 previous_municipality, moved_in_on)
             SELECT $1, s.address_number, s.my_number_index, s.my_number_sealed, s.ticket_number,
                 s.name, s.name_kana, s.birth_date, s.sex, $2, s.previous_municipality, s.moved_in_on
             FROM resident_stage s
             WHERE NOT EXISTS (SELECT 1 FROM residents r
                               WHERE r.municipality = $1 AND r.address_number = s.address_number)",
            &[&m, &batch],
        )?;
        self.finish_import(tx, keys, allowed, out, (m, batch), dry_run, detail)
    }

    /// Commits an import that kept every row with its audit event (or rolls
    /// a dry run back).
    #[allow(clippy::too_many_arguments)]
    fn finish_import(
        &self,
        mut tx: postgres::Transaction<'_>,
        keys: &Keyring,
        allowed: &Allowed,
        mut out: ImportOutcome,
        (m, batch): (i32, i64),
        dry_run: bool,
        detail: serde_json::Value,
    ) -> Result<ImportOutcome, StoreError> {
        if dry_run {
            tx.rollback()?;
            return Ok(out);
        }
        if out.imported > 0 {
            know_area(&mut tx, Loaded::Residents, m)?;
        }
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("imported".into(), out.imported.into());
            map.insert("updated".into(), out.updated.into());
            map.insert("unchanged".into(), out.unchanged.into());
        }
        let event = event(allowed, None, detail);
        out.audit_seq = Some(audit::append(
            &mut tx,
            keys,
            &event,
            self.actor.as_deref(),
            Some(batch),
        )?);
        tx.commit()?;
        out.committed = true;
        Ok(out)
    }

    /// [`crate::Store::find_resident`] on PostgreSQL: four round trips (the
    /// transaction and its area; the lookup with the audit chain's lock, head
    /// and sequence number folded in; the event with the new head; commit).
    pub(crate) fn find_resident(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        lookup: &Lookup,
    ) -> Result<Option<Resident>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadResident)?;
        let m = municipality.as_u32() as i32;
        let actor = self.actor.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let chain = crate::audit::chain_of(Some(municipality.as_u32())) as i32;
        let (key, value): (&str, Box<dyn ToSql + Sync>) = match lookup {
            Lookup::AddressNumber(a) => ("address_number", Box::new(a.as_str().to_owned())),
            Lookup::TicketNumber(t) => ("ticket_number", Box::new(t.as_u64() as i64)),
            Lookup::MyNumber(n) => (
                "my_number_index",
                Box::new(keys.blind_index(n, municipality)?.to_vec()),
            ),
        };
        let ty = match lookup {
            Lookup::AddressNumber(_) => Type::TEXT,
            Lookup::TicketNumber(_) => Type::INT8,
            Lookup::MyNumber(_) => Type::BYTEA,
        };
        let row = tx.query_typed_one(
            &format!(
                "SELECT {HEAD_COLUMNS}, {} FROM vrs_audit_head($3, true) h
                 LEFT JOIN residents r ON r.municipality = $1 AND r.{key} = $2",
                prefixed(crate::residents::RESIDENT_COLUMNS)
            ),
            &[(&m, Type::INT4), (&*value, ty), (&chain, Type::INT4)],
        )?;
        let head = audit::Head::from_row(&row, 0);
        let found = match row.get::<_, Option<String>>(4) {
            None => None,
            Some(_) => {
                let index: Vec<u8> = row.get(5);
                let mut subject = [0u8; 32];
                if index.len() == 32 {
                    subject.copy_from_slice(&index);
                }
                Some((resident_at(keys, municipality, &row, 4)?, subject))
            }
        };
        let subject = match (&found, lookup) {
            (Some((_, s)), _) => Some(*s),
            (None, Lookup::MyNumber(n)) => Some(keys.blind_index(n, municipality)?),
            (None, _) => None,
        };
        let detail = serde_json::json!({
            "by": match lookup { Lookup::AddressNumber(_) => "address_number", Lookup::TicketNumber(_) => "ticket_number", Lookup::MyNumber(_) => "my_number" },
            "found": found.is_some(),
        });
        audit::append_at(
            &mut tx,
            keys,
            &event(allowed, subject, detail),
            actor.as_deref(),
            None,
            head,
        )?;
        tx.commit()?;
        Ok(found.map(|(r, _)| r))
    }

    /// [`crate::Store::count_residents`] on PostgreSQL (the count with the
    /// audit chain's lock and head folded in, then the event).
    pub(crate) fn count_residents(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
    ) -> Result<u64, StoreError> {
        let municipality = allowed.partition_for(Action::CountResidents)?;
        let actor = self.actor.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let chain = crate::audit::chain_of(Some(municipality.as_u32())) as i32;
        let row = tx.query_typed_one(
            &format!(
                "SELECT {HEAD_COLUMNS},
                     (SELECT count(*) FROM residents WHERE municipality = $1)
                 FROM vrs_audit_head($2, true) h"
            ),
            &[
                (&(municipality.as_u32() as i32), Type::INT4),
                (&chain, Type::INT4),
            ],
        )?;
        let head = audit::Head::from_row(&row, 0);
        let n: i64 = row.get(4);
        let event = event(allowed, None, serde_json::json!({ "count": n }));
        audit::append_at(&mut tx, keys, &event, actor.as_deref(), None, head)?;
        tx.commit()?;
        Ok(n as u64)
    }
}

/// A staged line that cannot be kept, as the import reports it.
fn problem(line: u64, column: &str, municipality: MunicipalityCode) -> RowError {
    match column {
        "address_number" => RowError {
            line,
            column: "address_number".into(),
            reason: "address number repeats an earlier line of this file".into(),
        },
        column => RowError {
            line,
            column: column.into(),
            reason: format!("another resident of {municipality} already has this {column}"),
        },
    }
}

/// Rolls an import with bad rows back: nothing kept, every error by line.
fn refuse(tx: postgres::Transaction<'_>, out: ImportOutcome) -> Result<ImportOutcome, StoreError> {
    tx.rollback()?;
    let mut errors = out.errors;
    errors.sort_by_key(|e| e.line);
    Ok(ImportOutcome {
        errors,
        ..ImportOutcome::default()
    })
}

/// `RESIDENT_COLUMNS` with each column taken from `r`.
fn prefixed(columns: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A resident from a row of `RESIDENT_COLUMNS`, its My Number opened under
/// the municipality's key.
pub(crate) fn resident_from_row(
    keys: &Keyring,
    municipality: MunicipalityCode,
    r: &postgres::Row,
) -> Result<Resident, StoreError> {
    resident_at(keys, municipality, r, 0)
}

/// A resident from columns `at..at + 10` of a row (`RESIDENT_COLUMNS`), its
/// My Number opened under the municipality's key.
fn resident_at(
    keys: &Keyring,
    municipality: MunicipalityCode,
    r: &postgres::Row,
    at: usize,
) -> Result<Resident, StoreError> {
    let sealed: Vec<u8> = r.get(at + 2);
    let corrupt = |e: vrs_domain::DomainError| StoreError::Corrupt {
        what: e.to_string(),
    };
    Ok(Resident {
        municipality,
        address_number: parse_col(r.get::<_, String>(at), "address_number")?,
        my_number: keys.open(&sealed, municipality)?,
        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(at + 3) as u64).map_err(corrupt)?,
        name: parse_col(r.get::<_, String>(at + 4), "name")?,
        name_kana: parse_col(r.get::<_, String>(at + 5), "name_kana")?,
        birth_date: parse_col(r.get::<_, String>(at + 6), "birth_date")?,
        sex: parse_col(r.get::<_, i16>(at + 7).to_string(), "sex")?,
        previous_municipality: r
            .get::<_, Option<i32>>(at + 8)
            .map(|m| MunicipalityCode::from_u32(m as u32).map_err(corrupt))
            .transpose()?,
        moved_in_on: r
            .get::<_, Option<String>>(at + 9)
            .map(|d| parse_col(d, "moved_in_on"))
            .transpose()?,
    })
}
