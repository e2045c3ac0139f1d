//! M-13 export on PostgreSQL (as `crate::export`): the municipality's
//! residents (My Numbers opened) and its rows of the exported tables, read in
//! one repeatable-read transaction in its area, with the audit event. Rows are
//! JSON objects of their columns (PostgreSQL's `row_to_json`: booleans are
//! JSON booleans and bytes `\x`-hex, where SQLite has 0/1 and bare hex).
//! A table this database does not have yet is exported empty.

use std::collections::BTreeMap;

use vrs_consent::Allowed;
use vrs_domain::MunicipalityCode;

use super::residents::resident_from_row;
use super::{audit, Pg};
use crate::export::{ExportCounts, Exported};
use crate::residents::{event, RESIDENT_COLUMNS};
use crate::{Keyring, StoreError};

/// The exported tables (as SQLite's `EXPORTED_TABLES`) and their order.
const TABLES: [(&str, &str); 6] = [
    ("doses", "id"),
    ("dose_history", "dose_id, version"),
    ("consents", "document"),
    ("consent_history", "id"),
    ("issuances", "issued_at, certificate_id"),
    ("issuance_doses", "certificate_id, dose_id"),
];

/// Rows read per round trip.
const BATCH: i32 = 5_000;

impl Pg {
    /// Hands `m`'s data to `sink`; audited (counts only) when all was accepted.
    pub(crate) fn export_municipality<E: From<StoreError>>(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        m: MunicipalityCode,
        sink: &mut impl FnMut(Exported<'_>) -> Result<(), E>,
    ) -> Result<ExportCounts, E> {
        let code = m.as_u32() as i32;
        let mut client = self.client.borrow_mut();
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(StoreError::from)?;
        tx.execute(
            "SELECT set_config('app.municipality', $1, true)",
            &[&code.to_string()],
        )
        .map_err(StoreError::from)?;
        let portal = tx
            .bind(
                &format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents WHERE municipality = $1
                     ORDER BY address_number"
                ),
                &[&code],
            )
            .map_err(StoreError::from)?;
        let mut residents = 0u64;
        loop {
            let rows = tx.query_portal(&portal, BATCH).map_err(StoreError::from)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let resident = resident_from_row(keys, m, r)?;
                sink(Exported::Resident(&resident))?;
                residents += 1;
            }
        }
        let mut counts = BTreeMap::new();
        for (table, order) in TABLES {
            let mut n = 0u64;
            let exists: bool = tx
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
                .map_err(StoreError::from)?
                .get(0);
            if exists {
                let portal = tx
                    .bind(
                        &format!(
                            "SELECT row_to_json(t)::text FROM (SELECT * FROM {table}
                             WHERE municipality = $1 ORDER BY {order}) t"
                        ),
                        &[&code],
                    )
                    .map_err(StoreError::from)?;
                loop {
                    let rows = tx.query_portal(&portal, BATCH).map_err(StoreError::from)?;
                    if rows.is_empty() {
                        break;
                    }
                    for r in &rows {
                        let text: String = r.get(0);
                        let row: serde_json::Value =
                            serde_json::from_str(&text).map_err(StoreError::json)?;
                        sink(Exported::Row { table, row: &row })?;
                        n += 1;
                    }
                }
            }
            counts.insert(table.to_owned(), n);
        }
        let detail = serde_json::json!({ "residents": residents, "rows": counts });
        let seq = audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok(ExportCounts {
            residents,
            rows: counts,
            audit_seq: seq,
        })
    }
}
