//! The planner's statistics of a partition analysed before schema version 10
//! told of a municipality whose rows a bulk load brought into it
//! (`vrs_know_area`; see area_statistics.sql for why statistics that lack a
//! municipality slow every later lookup of it, and why a database made at
//! version 10 keeps none on the column).

use postgres::types::Type;
use postgres::Transaction;

use crate::StoreError;

/// A table bulk loads write, partitioned by municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loaded {
    Residents,
    Doses,
}

impl Loaded {
    fn table(self) -> &'static str {
        match self {
            Loaded::Residents => "residents",
            Loaded::Doses => "doses",
        }
    }
}

/// Analyses the municipality column of `table`'s partition holding `m` when
/// it has statistics on the column that lack `m`; true when it did. Call it in the
/// loading transaction once `m`'s rows are in, so the statistics commit with
/// them.
pub(super) fn know_area(
    tx: &mut Transaction<'_>,
    table: Loaded,
    m: i32,
) -> Result<bool, StoreError> {
    Ok(tx
        .query_typed_one(
            "SELECT vrs_know_area($1, $2)",
            &[(&table.table(), Type::TEXT), (&m, Type::INT4)],
        )?
        .get(0))
}
