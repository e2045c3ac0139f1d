//! The ledger export read off the writer: a read-only connection reads the
//! area's doses inside one read transaction (one consistent snapshot), and the
//! writer records the export's audit event before a byte of it leaves the
//! service. For a server, where one large export must not hold every other
//! request behind the single writer; [`Store::export_doses`] stays the one-step
//! export (read and event in one transaction) of the local CLI.

use chrono::NaiveDate;
use rusqlite::params;
use vrs_consent::{Action, Allowed};
use vrs_domain::{AddressNumber, Dose};

use super::{parse, read_dose, AFTER, DOSE_COLS};
use crate::audit;
use crate::residents::event;
use crate::{Store, StoreError};

impl Store {
    /// T1-5-1: hands each active dose of the area (changed on or after `since`,
    /// if given) with its resident's address number to `sink`, in id order,
    /// from one snapshot, writing nothing: for a read-only connection
    /// ([`Store::open_reader`]). The caller records the export with
    /// [`Store::audit_ledger_export`] before handing anything out. An error
    /// from `sink` aborts the read.
    pub fn read_ledger<E>(
        &self,
        allowed: &Allowed,
        since: Option<NaiveDate>,
        mut sink: impl FnMut(&AddressNumber, &Dose) -> Result<(), E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let municipality = allowed.partition_for(Action::ExportLedger)?;
        let conn = backend!(self, pg => pg.read_ledger(municipality, since, &mut sink));
        // DEFERRED: a read transaction, one snapshot for the whole export.
        let tx = conn.unchecked_transaction()?;
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let mut n = 0u64;
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {DOSE_COLS}, address_number FROM doses
                 WHERE municipality = ?1 AND status = 'active' AND substr(changed_at, 1, 10) >= ?2
                 ORDER BY id"
            ))?;
            let mut rows = stmt.query(params![municipality.as_u32(), since])?;
            while let Some(r) = rows.next()? {
                let dose = read_dose(r)?;
                let address: AddressNumber = parse(&r.get::<_, String>(AFTER)?)?;
                if let Err(e) = sink(&address, &dose) {
                    return Ok(Err(e));
                }
                n += 1;
            }
        }
        tx.rollback()?;
        Ok(Ok(n))
    }

    /// T1-5-1: records a ledger export read by [`Store::read_ledger`] (its
    /// options and dose count in `detail`) as the audit event of `allowed`.
    pub fn audit_ledger_export(
        &mut self,
        allowed: &Allowed,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let municipality = allowed.partition_for(Action::ExportLedger)?;
        let ev = event(allowed, None, detail);
        let tx =
            backend!(mut self, pg => pg.audit_in_area(&self.keys, municipality, &ev).map(|_| ()))
                .transaction()?;
        audit::append(&tx, &self.keys, &ev)?;
        tx.commit()?;
        Ok(())
    }
}
