//! Reading and changing held doses: one person's doses, corrections, deletions
//! and confirmations by the holding municipality (T1-5-1) with a version history,
//! the review queue and the ledger export. The admission rules of a correction are
//! vrs-domain's ([`vrs_domain::admission`]); this file loads and persists.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use crate::group::Transaction;
use vrs_consent::{Action, Allowed};
use vrs_domain::admission::{self, Correction, Rejection};
use vrs_domain::{AddressNumber, Dose, DoseId};

use super::{
    corrupt, count_dose, keep_version, load_held, parse, read_birth, read_dose, DoseVersion,
    ReviewItem, AFTER, DOSE_COLS,
};
use crate::audit;
use crate::residents::event;
use crate::{Lookup, Store, StoreError};

impl Store {
    /// T1-5-1: every dose (also entered-in-error ones) of one person of the area.
    pub fn list_doses(
        &mut self,
        allowed: &Allowed,
        lookup: &Lookup,
    ) -> Result<Vec<Dose>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadDoses)?;
        let m = municipality.as_u32();
        let tx =
            backend!(mut self, pg => pg.list_doses(&self.keys, allowed, lookup)).transaction()?;
        let person: Option<(String, Vec<u8>)> = {
            let (sql, value): (&str, rusqlite::types::Value) = match lookup {
                Lookup::AddressNumber(a) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND address_number = ?2",
                    a.as_str().to_owned().into(),
                ),
                Lookup::TicketNumber(t) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND ticket_number = ?2",
                    (t.as_u64() as i64).into(),
                ),
                Lookup::MyNumber(n) => (
                    "SELECT address_number, my_number_index FROM residents WHERE municipality = ?1 AND my_number_index = ?2",
                    self.keys.blind_index(n, municipality)?.to_vec().into(),
                ),
            };
            tx.prepare_cached(sql)?
                .query_row(params![m, value], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
        };
        let mut doses = Vec::new();
        let mut subject = None;
        if let Some((address, index)) = &person {
            subject = index.as_slice().try_into().ok();
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {DOSE_COLS} FROM doses WHERE municipality = ?1 AND address_number = ?2
                 ORDER BY dose_number, id"
            ))?;
            let mut rows = stmt.query(params![m, address])?;
            while let Some(r) = rows.next()? {
                doses.push(read_dose(r)?);
            }
        }
        let detail = serde_json::json!({
            "by": match lookup { Lookup::AddressNumber(_) => "address_number", Lookup::TicketNumber(_) => "ticket_number", Lookup::MyNumber(_) => "my_number" },
            "found": person.is_some(),
            "doses": doses.len(),
        });
        audit::append(&tx, &self.keys, &event(allowed, subject, detail))?;
        tx.commit()?;
        Ok(doses)
    }

    fn load_for_change(
        tx: &Transaction<'_>,
        id: DoseId,
    ) -> Result<Option<(Dose, String)>, StoreError> {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {DOSE_COLS}, address_number FROM doses WHERE id = ?1 AND municipality = ?2"
        ))?;
        let mut rows = stmt.query(params![id.serial() as i64, id.municipality().as_u32()])?;
        match rows.next()? {
            None => Ok(None),
            Some(r) => Ok(Some((read_dose(r)?, r.get(AFTER)?))),
        }
    }

    /// Writes a new version of a dose after the checks of `change`.
    fn change_dose(
        &mut self,
        allowed: &Allowed,
        action: Action,
        id: DoseId,
        on_postgres: crate::postgres::Change<'_>,
        change: impl FnOnce(&Transaction<'_>, &Dose, &str) -> Result<Result<(), Rejection>, StoreError>,
        detail: serde_json::Value,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let municipality = allowed.partition_for(action)?;
        if id.municipality() != municipality {
            return Err(StoreError::WrongProof {
                expected: "the dose's partition",
                got: "another partition",
            });
        }
        let tx = backend!(mut self, pg => pg.change_dose(&self.keys, allowed, action, id, on_postgres, detail))
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let result = match Self::load_for_change(&tx, id)? {
            None => Err(Rejection::NotFound { dose_id: id }),
            Some((dose, address)) => match admission::changeable(&dose) {
                Ok(()) => change(&tx, &dose, &address)?,
                Err(rejection) => Err(rejection),
            },
        };
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("dose_id".into(), id.to_string().into());
        }
        let answer = match result {
            Ok(()) => {
                let (dose, _) = Self::load_for_change(&tx, id)?
                    .ok_or_else(|| corrupt("changed dose vanished"))?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("version".into(), dose.version.into());
                }
                // Certificates follow the record: those showing this dose are revoked.
                let next_seq: i64 =
                    tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", [], |r| {
                        r.get(0)
                    })?;
                let change = match action {
                    Action::DeleteDose => "deleted",
                    _ => "corrected",
                };
                let revoked = crate::issuance::revoke_certificates_showing(
                    &tx,
                    id.serial() as i64,
                    change,
                    &allowed.as_of().to_rfc3339(),
                    next_seq,
                )?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("revoked_certificates".into(), revoked.into());
                }
                audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
                Ok(dose)
            }
            Err(rejection) => {
                if let Some(map) = detail.as_object_mut() {
                    map.insert("rejected".into(), rejection.to_string().into());
                }
                let mut ev = event(allowed, None, detail);
                ev.outcome = crate::Outcome::Rejected;
                audit::append(&tx, &self.keys, &ev)?;
                Err(rejection)
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// T1-5-1: corrects a dose's facts with a reason; the previous version is kept.
    /// What may be corrected is vrs-domain's rule ([`admission::correct_dose`]).
    pub fn correct_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
        correction: &Correction,
        reason: &str,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        let today = allowed.as_of().date_naive();
        let detail = serde_json::json!({ "fields": correction.fields(), "reason": reason });
        self.change_dose(
            allowed,
            Action::CorrectDose,
            id,
            crate::postgres::Change::Correct(correction, reason),
            |tx, dose, address| {
                let m = id.municipality();
                let birth = read_birth(
                    tx.prepare_cached(
                        "SELECT birth_date FROM residents WHERE municipality = ?1 AND address_number = ?2",
                    )?
                    .query_row(params![m.as_u32(), address], |r| r.get(0))
                    .optional()?,
                )?
                .ok_or_else(|| corrupt("a dose without its resident"))?;
                let others = load_held(
                    &mut tx.prepare_cached(
                        "SELECT id, dose_number, date, product, lot, confirmed FROM doses
                         WHERE municipality = ?1 AND address_number = ?2
                           AND status = 'active' AND id <> ?3",
                    )?,
                    params![m.as_u32(), address, id.serial() as i64],
                    m,
                )?;
                let c = match admission::correct_dose(dose, correction, birth, &others, today) {
                    Ok(c) => c,
                    Err(rejection) => return Ok(Err(rejection)),
                };
                keep_version(tx, id.serial() as i64)?;
                count_dose(tx, id.serial() as i64, -1)?;
                tx.prepare_cached(
                    "UPDATE doses SET date = ?2, product = ?3, lot = ?4, venue = ?5, doctor = ?6,
                         age = ?7, version = version + 1, changed_at = ?8, changed_by = ?9,
                         change = 'corrected', reason = ?10, dose_number = ?11
                     WHERE id = ?1",
                )?
                .execute(params![
                    id.serial() as i64,
                    c.date.to_string(),
                    c.vaccine.id(),
                    c.lot.as_str(),
                    c.venue.as_ref().map(|v| v.as_str()),
                    c.doctor.as_ref().map(|d| d.as_str()),
                    c.age,
                    now,
                    by,
                    reason,
                    c.dose_number.get()
                ])?;
                count_dose(tx, id.serial() as i64, 1)?;
                Ok(Ok(()))
            },
            detail,
        )
    }

    /// T1-5-1: marks a dose entered-in-error with a reason; nothing is erased.
    pub fn delete_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
        reason: &str,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        self.change_dose(
            allowed,
            Action::DeleteDose,
            id,
            crate::postgres::Change::Delete(reason),
            |tx, _, _| {
                keep_version(tx, id.serial() as i64)?;
                count_dose(tx, id.serial() as i64, -1)?;
                tx.prepare_cached(
                    "UPDATE doses SET status = 'entered_in_error', review = NULL,
                         version = version + 1, changed_at = ?2, changed_by = ?3,
                         change = 'deleted', reason = ?4
                     WHERE id = ?1",
                )?
                .execute(params![id.serial() as i64, now, by, reason])?;
                Ok(Ok(()))
            },
            serde_json::json!({ "reason": reason }),
        )
    }

    /// T1-5-1: confirms (locks) a checked dose and takes it off the review queue.
    /// Confirming a confirmed dose changes nothing.
    pub fn confirm_dose(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let by = allowed.principal().to_string();
        let now = allowed.as_of().to_rfc3339();
        self.change_dose(
            allowed,
            Action::ConfirmDose,
            id,
            crate::postgres::Change::Confirm,
            |tx, dose, _| {
                if dose.confirmed {
                    return Ok(Ok(()));
                }
                keep_version(tx, id.serial() as i64)?;
                tx.prepare_cached(
                    "UPDATE doses SET confirmed = 1, review = NULL,
                         version = version + 1, changed_at = ?2, changed_by = ?3,
                         change = 'confirmed', reason = NULL
                     WHERE id = ?1",
                )?
                .execute(params![id.serial() as i64, now, by])?;
                Ok(Ok(()))
            },
            serde_json::json!({}),
        )
    }

    /// T1-5-1: every version of a dose, oldest first, with who, when and why.
    pub fn dose_history(
        &mut self,
        allowed: &Allowed,
        id: DoseId,
    ) -> Result<Result<Vec<DoseVersion>, Rejection>, StoreError> {
        let municipality = allowed.partition_for(Action::ReadDoses)?;
        if id.municipality() != municipality {
            return Err(StoreError::WrongProof {
                expected: "the dose's partition",
                got: "another partition",
            });
        }
        let tx = backend!(mut self, pg => pg.dose_history(&self.keys, allowed, municipality, id))
            .transaction()?;
        let mut versions = Vec::new();
        for sql in [
            "SELECT dose_id AS id, municipality, ticket_number, dose_number, date, product, lot,
                 venue, doctor, vaccinating_municipality, registered_at, registered_by,
                 on_behalf, status, confirmed, version, carried_from, original_dose_number,
                 change, changed_at, changed_by, reason
             FROM dose_history WHERE dose_id = ?1 AND municipality = ?2 ORDER BY version"
                .to_owned(),
            format!(
                "SELECT {DOSE_COLS}, change, changed_at, changed_by, reason
                 FROM doses WHERE id = ?1 AND municipality = ?2"
            ),
        ] {
            let mut stmt = tx.prepare(&sql)?;
            let mut rows = stmt.query(params![id.serial() as i64, municipality.as_u32()])?;
            while let Some(r) = rows.next()? {
                let dose = read_dose(r)?;
                versions.push(DoseVersion {
                    version: dose.version,
                    change: r.get(AFTER)?,
                    changed_at: r.get(AFTER + 1)?,
                    changed_by: r.get(AFTER + 2)?,
                    reason: r.get(AFTER + 3)?,
                    dose,
                });
            }
        }
        let answer = if versions.is_empty() {
            Err(Rejection::NotFound { dose_id: id })
        } else {
            Ok(versions)
        };
        let detail = serde_json::json!({ "dose_id": id, "history": true, "found": answer.is_ok() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(answer)
    }

    /// T1-5-1: the doses of the area flagged at entry for a human check.
    pub fn review_doses(&mut self, allowed: &Allowed) -> Result<Vec<ReviewItem>, StoreError> {
        let municipality = allowed.partition_for(Action::ReviewDoses)?;
        let tx = backend!(mut self, pg => pg.review_doses(&self.keys, allowed, municipality))
            .transaction()?;
        let mut items = Vec::new();
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT {DOSE_COLS}, review FROM doses
                 WHERE municipality = ?1 AND review IS NOT NULL ORDER BY id"
            ))?;
            let mut rows = stmt.query([municipality.as_u32()])?;
            while let Some(r) = rows.next()? {
                let reasons: String = r.get(AFTER)?;
                items.push(ReviewItem {
                    dose: read_dose(r)?,
                    reasons: serde_json::from_str(&reasons).map_err(StoreError::json)?,
                });
            }
        }
        let detail = serde_json::json!({ "flagged": items.len() });
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(items)
    }

    /// T1-5-1: hands each active dose of the area (changed on or after `since`, if
    /// given) with its resident's address number to `sink`, in id order, and
    /// audits the export. An error from `sink` aborts the export unaudited.
    pub fn export_doses<E>(
        &mut self,
        allowed: &Allowed,
        since: Option<NaiveDate>,
        mut sink: impl FnMut(&AddressNumber, &Dose) -> Result<(), E>,
        detail: serde_json::Value,
    ) -> Result<Result<u64, E>, StoreError> {
        let municipality = allowed.partition_for(Action::ExportLedger)?;
        let tx = backend!(mut self, pg => pg.export_doses(&self.keys, allowed, municipality, since, &mut sink, detail)).transaction()?;
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
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("doses".into(), n.into());
        }
        audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.commit()?;
        Ok(Ok(n))
    }
}
