//! Changing held doses on PostgreSQL (as `crate::doses::change`): corrections,
//! deletions and confirmations with a version history, the history itself, the
//! review queue and the ledger export. What may change is vrs-domain's rule
//! ([`admission::correct_dose`], [`admission::changeable`]).

use chrono::NaiveDate;
use postgres::Transaction;
use vrs_consent::{Action, Allowed};
use vrs_domain::admission::{self, Correction, Rejection};
use vrs_domain::{AddressNumber, Dose, DoseId, MunicipalityCode};

use super::doses::{code, count_dose, held_doses, keep_version, read_dose};
use super::{audit, Pg, Scope};
use crate::doses::{corrupt, parse, read_birth, DoseVersion, ReviewItem, AFTER, DOSE_COLS};
use crate::residents::event;
use crate::{Keyring, StoreError};

/// What a change does to a dose once it may change: the new version, or a rejection.
pub(crate) enum Change<'a> {
    /// A correction of its facts with a reason.
    Correct(&'a Correction, &'a str),
    /// Marked entered-in-error with a reason.
    Delete(&'a str),
    /// Confirmed (locked) and off the review queue.
    Confirm,
}

/// The dose `id` of its municipality with its resident's address number, locked.
fn load_for_change(
    tx: &mut Transaction<'_>,
    id: DoseId,
) -> Result<Option<(Dose, String)>, StoreError> {
    let row = tx.query_opt(
        &format!(
            "SELECT {DOSE_COLS}, address_number FROM doses
             WHERE municipality = $1 AND id = $2 FOR UPDATE"
        ),
        &[&code(id.municipality()), &(id.serial() as i64)],
    )?;
    row.map(|r| Ok((read_dose(&r)?, r.get(AFTER)))).transpose()
}

/// Applies `change` to dose `id` (loaded as `dose`, of the resident `address`).
fn apply(
    tx: &mut Transaction<'_>,
    allowed: &Allowed,
    id: DoseId,
    dose: &Dose,
    address: &str,
    change: &Change<'_>,
) -> Result<Result<(), Rejection>, StoreError> {
    let m = id.municipality();
    let serial = id.serial() as i64;
    let by = allowed.principal().to_string();
    let now = allowed.as_of().to_rfc3339();
    match change {
        Change::Correct(correction, reason) => {
            let birth: Option<String> = tx
                .query_opt(
                    "SELECT birth_date FROM residents WHERE municipality = $1 AND address_number = $2",
                    &[&code(m), &address],
                )?
                .map(|r| r.get(0));
            let birth = read_birth(birth)?.ok_or_else(|| corrupt("a dose without its resident"))?;
            let rows = tx.query(
                "SELECT id, dose_number, date, product, lot, confirmed FROM doses
                 WHERE municipality = $1 AND address_number = $2
                   AND status = 'active' AND id <> $3",
                &[&code(m), &address, &serial],
            )?;
            let others = held_doses(&rows, m)?;
            let today = allowed.as_of().date_naive();
            let c = match admission::correct_dose(dose, correction, birth, &others, today) {
                Ok(c) => c,
                Err(rejection) => return Ok(Err(rejection)),
            };
            keep_version(tx, m, serial)?;
            count_dose(tx, m, serial, -1)?;
            tx.execute(
                "UPDATE doses SET date = $3, product = $4, lot = $5, venue = $6, doctor = $7,
                     age = $8, version = version + 1, changed_at = $9, changed_by = $10,
                     change = 'corrected', reason = $11, dose_number = $12
                 WHERE municipality = $1 AND id = $2",
                &[
                    &code(m),
                    &serial,
                    &c.date.to_string(),
                    &c.vaccine.id(),
                    &c.lot.as_str(),
                    &c.venue.as_ref().map(|v| v.as_str()),
                    &c.doctor.as_ref().map(|d| d.as_str()),
                    &c.age,
                    &now,
                    &by,
                    reason,
                    &i16::from(c.dose_number.get()),
                ],
            )?;
            count_dose(tx, m, serial, 1)?;
        }
        Change::Delete(reason) => {
            keep_version(tx, m, serial)?;
            count_dose(tx, m, serial, -1)?;
            tx.execute(
                "UPDATE doses SET status = 'entered_in_error', review = NULL,
                     version = version + 1, changed_at = $3, changed_by = $4,
                     change = 'deleted', reason = $5
                 WHERE municipality = $1 AND id = $2",
                &[&code(m), &serial, &now, &by, reason],
            )?;
        }
        Change::Confirm => {
            if dose.confirmed {
                return Ok(Ok(()));
            }
            keep_version(tx, m, serial)?;
            tx.execute(
                "UPDATE doses SET confirmed = true, review = NULL,
                     version = version + 1, changed_at = $3, changed_by = $4,
                     change = 'confirmed', reason = NULL
                 WHERE municipality = $1 AND id = $2",
                &[&code(m), &serial, &now, &by],
            )?;
        }
    }
    Ok(Ok(()))
}

impl Pg {
    /// Writes a new version of dose `id` after the checks of `change`, with its
    /// audit event (as SQLite's `change_dose`). The proof's partition is `id`'s.
    pub(crate) fn change_dose(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        action: Action,
        id: DoseId,
        change: Change<'_>,
        detail: serde_json::Value,
    ) -> Result<Result<Dose, Rejection>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(id.municipality()))?;
        let result = match load_for_change(&mut tx, id)? {
            None => Err(Rejection::NotFound { dose_id: id }),
            Some((dose, address)) => match admission::changeable(&dose) {
                Ok(()) => apply(&mut tx, allowed, id, &dose, &address, &change)?,
                Err(rejection) => Err(rejection),
            },
        };
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("dose_id".into(), id.to_string().into());
        }
        let answer = match result {
            Ok(()) => {
                let (dose, _) = load_for_change(&mut tx, id)?
                    .ok_or_else(|| corrupt("changed dose vanished"))?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("version".into(), dose.version.into());
                }
                // Certificates follow the record: those showing this dose are revoked.
                let reason = match action {
                    Action::DeleteDose => "deleted",
                    _ => "corrected",
                };
                // The change's audit event takes this number (the revocations cite it).
                let seq: i64 = tx.query_one("SELECT nextval('audit_seq')", &[])?.get(0);
                let revoked = super::issuance::revoke_certificates_showing(
                    &mut tx,
                    id,
                    reason,
                    &allowed.as_of().to_rfc3339(),
                    seq,
                )?;
                if let Some(map) = detail.as_object_mut() {
                    map.insert("revoked_certificates".into(), revoked.into());
                }
                let ev = event(allowed, None, detail);
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), Some(seq))?;
                Ok(dose)
            }
            Err(rejection) => {
                if let Some(map) = detail.as_object_mut() {
                    map.insert("rejected".into(), rejection.to_string().into());
                }
                let mut ev = event(allowed, None, detail);
                ev.outcome = crate::Outcome::Rejected;
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
                Err(rejection)
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// [`crate::Store::dose_history`] on PostgreSQL.
    pub(crate) fn dose_history(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
        id: DoseId,
    ) -> Result<Result<Vec<DoseVersion>, Rejection>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let mut versions = Vec::new();
        for sql in [
            "SELECT dose_id AS id, municipality, ticket_number, dose_number, date, product, lot,
                 venue, doctor, vaccinating_municipality, registered_at, registered_by,
                 on_behalf, status, confirmed, version, carried_from, original_dose_number,
                 change, changed_at, changed_by, reason
             FROM dose_history WHERE dose_id = $1 AND municipality = $2 ORDER BY version"
                .to_owned(),
            format!(
                "SELECT {DOSE_COLS}, change, changed_at, changed_by, reason
                 FROM doses WHERE id = $1 AND municipality = $2"
            ),
        ] {
            for r in tx.query(&sql, &[&(id.serial() as i64), &code(municipality)])? {
                let dose = read_dose(&r)?;
                versions.push(DoseVersion {
                    version: dose.version,
                    change: r.get(AFTER),
                    changed_at: r.get(AFTER + 1),
                    changed_by: r.get(AFTER + 2),
                    reason: r.get(AFTER + 3),
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
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(answer)
    }

    /// [`crate::Store::review_doses`] on PostgreSQL.
    pub(crate) fn review_doses(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
    ) -> Result<Vec<ReviewItem>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let mut items = Vec::new();
        for r in tx.query(
            &format!(
                "SELECT {DOSE_COLS}, review FROM doses
                 WHERE municipality = $1 AND review IS NOT NULL ORDER BY id"
            ),
            &[&code(municipality)],
        )? {
            let reasons: &str = r.get(AFTER);
            items.push(ReviewItem {
                dose: read_dose(&r)?,
                reasons: serde_json::from_str(reasons).map_err(StoreError::json)?,
            });
        }
        let detail = serde_json::json!({ "flagged": items.len() });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(items)
    }

    /// [`crate::Store::export_doses`] on PostgreSQL: the rows stream through a
    /// portal (bounded memory), handed to `sink` in id order.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn export_doses<E>(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        municipality: MunicipalityCode,
        since: Option<NaiveDate>,
        sink: &mut dyn FnMut(&AddressNumber, &Dose) -> Result<(), E>,
        detail: serde_json::Value,
    ) -> Result<Result<u64, E>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let n = match stream_ledger(&mut tx, municipality, since, sink)? {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        let mut detail = detail;
        if let Some(map) = detail.as_object_mut() {
            map.insert("doses".into(), n.into());
        }
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(Ok(n))
    }

    /// [`crate::Store::read_ledger`] on PostgreSQL: the same rows as
    /// [`Pg::export_doses`] from one snapshot, writing nothing (a reader's
    /// session is read-only); the writer records the export afterwards.
    pub(crate) fn read_ledger<E>(
        &self,
        municipality: MunicipalityCode,
        since: Option<NaiveDate>,
        sink: &mut dyn FnMut(&AddressNumber, &Dose) -> Result<(), E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(municipality))?;
        let n = stream_ledger(&mut tx, municipality, since, sink)?;
        tx.rollback()?;
        Ok(n)
    }
}

/// The area's active doses (changed on or after `since`) with their residents'
/// address numbers, through a portal (bounded memory), handed to `sink` in id
/// order; an error from `sink` stops the read.
fn stream_ledger<E>(
    tx: &mut postgres::Transaction<'_>,
    municipality: MunicipalityCode,
    since: Option<NaiveDate>,
    sink: &mut dyn FnMut(&AddressNumber, &Dose) -> Result<(), E>,
) -> Result<Result<u64, E>, StoreError> {
    let since = since.map(|d| d.to_string()).unwrap_or_default();
    let m = code(municipality);
    let portal = tx.bind(
        &format!(
            "SELECT {DOSE_COLS}, address_number FROM doses
             WHERE municipality = $1 AND status = 'active' AND substr(changed_at, 1, 10) >= $2
             ORDER BY id"
        ),
        &[&m, &since],
    )?;
    let mut n = 0u64;
    loop {
        let rows = tx.query_portal(&portal, 4096)?;
        if rows.is_empty() {
            return Ok(Ok(n));
        }
        for r in &rows {
            let dose = read_dose(r)?;
            let address: AddressNumber = parse(r.get::<_, &str>(AFTER))?;
            if let Err(e) = sink(&address, &dose) {
                return Ok(Err(e));
            }
            n += 1;
        }
    }
}
