//! M-13, the data handed back: every resident of one municipality (My Numbers
//! opened, for its own files) and every row of its doses with their history,
//! consents and issuance history, read in one transaction with its audit event.

use std::collections::BTreeMap;

use rusqlite::types::ValueRef;
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::{MunicipalityCode, Resident};

use crate::residents::{event, resident_from_row, RESIDENT_COLUMNS};
use crate::{audit, Store, StoreError};

/// One exported item: a resident, or a row of one of the exported tables.
#[derive(Debug)]
pub enum Exported<'a> {
    /// A resident, in the shape the import reads.
    Resident(&'a Resident),
    /// A row of `table`, as a JSON object of its columns.
    Row {
        /// `doses`, `dose_history`, `consents`, `consent_history`, `issuances`
        /// or `issuance_doses`.
        table: &'static str,
        /// The row.
        row: &'a serde_json::Value,
    },
}

/// The tables handed back beside the residents, and how each is selected.
pub const EXPORTED_TABLES: [(&str, &str); 6] = [
    (
        "doses",
        "SELECT * FROM doses WHERE municipality = ?1 ORDER BY id",
    ),
    (
        "dose_history",
        "SELECT * FROM dose_history WHERE municipality = ?1 ORDER BY dose_id, version",
    ),
    (
        "consents",
        "SELECT * FROM consents WHERE municipality = ?1 ORDER BY document",
    ),
    (
        "consent_history",
        "SELECT * FROM consent_history WHERE municipality = ?1 ORDER BY id",
    ),
    (
        "issuances",
        "SELECT * FROM issuances WHERE municipality = ?1 ORDER BY issued_at, certificate_id",
    ),
    (
        "issuance_doses",
        "SELECT d.* FROM issuance_doses d JOIN issuances i USING (certificate_id)
         WHERE i.municipality = ?1 ORDER BY d.certificate_id, d.dose_id",
    ),
];

/// How much an export handed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportCounts {
    /// Residents written.
    pub residents: u64,
    /// Rows written per table.
    pub rows: BTreeMap<String, u64>,
    /// The export's audit event.
    pub audit_seq: i64,
}

fn json_of(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => hex::encode(b).into(),
    }
}

impl Store {
    /// M-13: hands the proof's municipality its data back through `sink`, in one
    /// transaction; the export is audited (counts only) when `sink` accepted all.
    pub fn export_municipality<E: From<StoreError>>(
        &mut self,
        allowed: &Allowed,
        mut sink: impl FnMut(Exported<'_>) -> Result<(), E>,
    ) -> Result<ExportCounts, E> {
        let m: MunicipalityCode = allowed
            .partition_for(Action::ExportMunicipality)
            .map_err(StoreError::from)?;
        if let crate::Db::Postgres(pg) = &self.db {
            return pg.export_municipality(&self.keys, allowed, m, &mut sink);
        }
        let tx = sqlite!(mut self, "export_municipality")
            .transaction()
            .map_err(StoreError::from)?;
        let mut residents = 0u64;
        {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents WHERE municipality = ?1
                     ORDER BY address_number"
                ))
                .map_err(StoreError::from)?;
            let mut rows = stmt.query([m.as_u32()]).map_err(StoreError::from)?;
            while let Some(r) = rows.next().map_err(StoreError::from)? {
                let resident = resident_from_row(&self.keys, m, r)?;
                sink(Exported::Resident(&resident))?;
                residents += 1;
            }
        }
        let mut counts = BTreeMap::new();
        for (table, sql) in EXPORTED_TABLES {
            let mut stmt = tx.prepare(sql).map_err(StoreError::from)?;
            let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
            let mut rows = stmt.query([m.as_u32()]).map_err(StoreError::from)?;
            let mut n = 0u64;
            while let Some(r) = rows.next().map_err(StoreError::from)? {
                let mut object = serde_json::Map::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    object.insert(
                        name.clone(),
                        json_of(r.get_ref(i).map_err(StoreError::from)?),
                    );
                }
                sink(Exported::Row {
                    table,
                    row: &serde_json::Value::Object(object),
                })?;
                n += 1;
            }
            counts.insert(table.to_owned(), n);
        }
        let detail = serde_json::json!({ "residents": residents, "rows": counts });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit().map_err(StoreError::from)?;
        Ok(ExportCounts {
            residents,
            rows: counts,
            audit_seq: seq,
        })
    }
}
