//! Residents on PostgreSQL: the first load of an empty partition, which builds
//! the partition's indexes after the load (`vrs_residents_first_load`, schema
//! version 6) instead of keeping them up to date row by row.

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
