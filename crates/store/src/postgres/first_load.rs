//! Residents on PostgreSQL: the first load of an empty partition, which builds
//! the partition's indexes after the load (`vrs_residents_first_load`, schema
//! version 6) instead of keeping them up to date row by row, and the first load
//! of a partition that never held a row by COPY straight into it (version 9).

use postgres::error::SqlState;
use postgres::types::Type;
use postgres::Transaction;

use crate::StoreError;

/// What the first-load path did with the staged rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FirstLoad {
    /// The partition was empty: this many rows are in, indexes built.
    Loaded(u64),
    /// The partition holds rows (of this or another municipality), or a
    /// concurrent first load of the same partition won the lock: nothing was
    /// done, the usual path imports.
    Declined,
    /// The partition was empty but a unique index could not be built: a value
    /// repeats within the file. Nothing was done; the caller names the lines.
    Repeated,
}

/// Tries the first-load path for the rows staged in `resident_stage`, inside
/// a savepoint so that a refusal or failure leaves the transaction (and the
/// partition, its indexes and constraints) as it was, and releases the locks
/// the attempt took.
pub(super) fn first_load(tx: &mut Transaction<'_>, batch: i64) -> Result<FirstLoad, StoreError> {
    tx.batch_execute("SAVEPOINT first_load")?;
    let tried = tx.query_typed_one(
        "SELECT vrs_residents_first_load($1)",
        &[(&batch, Type::INT8)],
    );
    let outcome = match tried {
        Ok(row) => match row.get::<_, Option<i64>>(0) {
            Some(n) => {
                tx.batch_execute("RELEASE SAVEPOINT first_load")?;
                return Ok(FirstLoad::Loaded(n as u64));
            }
            None => FirstLoad::Declined,
        },
        Err(e) => match e.code() {
            Some(c) if *c == SqlState::UNIQUE_VIOLATION => FirstLoad::Repeated,
            // Two first loads of one partition at once: one gives way and
            // takes the usual path once the other has committed.
            Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => FirstLoad::Declined,
            _ => return Err(e.into()),
        },
    };
    tx.batch_execute("ROLLBACK TO SAVEPOINT first_load; RELEASE SAVEPOINT first_load")?;
    Ok(outcome)
}

/// Opens the first load by COPY straight into the caller's area's partition
/// (`vrs_residents_first_load_open`, schema version 9) when that partition has
/// never held a row: its name, to COPY into, or `None` (nothing done, the
/// staging path imports).
pub(super) fn open_copy(
    tx: &mut Transaction<'_>,
    batch: i64,
) -> Result<Option<String>, StoreError> {
    tx.batch_execute("SAVEPOINT first_load_open")?;
    match tx.query_typed_one(
        "SELECT vrs_residents_first_load_open($1)",
        &[(&batch, Type::INT8)],
    ) {
        Ok(row) => {
            let part: Option<String> = row.get(0);
            tx.batch_execute("RELEASE SAVEPOINT first_load_open")?;
            Ok(part)
        }
        // Two first loads of one partition at once: one gives way and takes
        // the staging path once the other has committed.
        Err(e) if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED) => {
            tx.batch_execute(
                "ROLLBACK TO SAVEPOINT first_load_open; RELEASE SAVEPOINT first_load_open",
            )?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Closes an open first load: the partition attached again with its indexes
/// built (true), or, when a value repeats within the file and a unique index
/// cannot be built, false with the partition left detached and loaded (the
/// caller names the lines, then rolls back).
pub(super) fn close_copy(tx: &mut Transaction<'_>) -> Result<bool, StoreError> {
    tx.batch_execute("SAVEPOINT first_load_close")?;
    match tx.batch_execute("SELECT vrs_residents_first_load_close()") {
        Ok(()) => {
            tx.batch_execute("RELEASE SAVEPOINT first_load_close")?;
            Ok(true)
        }
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            tx.batch_execute(
                "ROLLBACK TO SAVEPOINT first_load_close; RELEASE SAVEPOINT first_load_close",
            )?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The rows of an open first load that repeat an earlier row's address number,
/// My Number or ticket number, by position (0 for the first row sent), with
/// the column; `digest` is the SHA-256 of the rows' keys as sent, which the
/// server checks against the rows' order before it answers.
pub(super) fn copy_problems(
    tx: &mut Transaction<'_>,
    digest: &[u8],
) -> Result<Vec<(u64, String)>, StoreError> {
    Ok(tx
        .query_typed(
            "SELECT ordinal, problem FROM vrs_residents_first_load_problems($1)",
            &[(&digest, Type::BYTEA)],
        )?
        .iter()
        .map(|r| ((r.get::<_, i64>(0) - 1) as u64, r.get(1)))
        .collect())
}
