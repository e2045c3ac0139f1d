//! Issuance on PostgreSQL (as `crate::issuance`): the applicant's record found
//! by blind index, the issuance history (P11-2-3 fields only, origin
//! `individual` or `counter`), revoking the certificates that show a changed
//! dose; and the staff screens' resident search (kana name + birth date).

use postgres::Transaction;
use vrs_consent::{Action, Allowed};
use vrs_domain::{
    AddressNumber, BirthDate, DoseId, DoseNumber, MunicipalityCode, MyNumber, Resident,
};

use super::doses::{code, municipality};
use super::{audit, Pg, Scope};
use crate::doses::{corrupt, parse};
use crate::issuance::{IssuableDose, IssuanceRecord};
use crate::residents::{event, RESIDENT_COLUMNS};
use crate::{Keyring, StoreError};

/// The settings key of `kid`'s revocation list version (as on SQLite).
fn crl_version_key(kid: &str) -> String {
    format!("crl_version:{kid}")
}

/// Revokes every certificate in force that shows dose `id` (corrected or
/// deleted), as SQLite's `revoke_certificates_showing`: the certificate's rid
/// goes on its key's revocation list (the `revocations` table of the keys'
/// schema) and the list's version rises. Returns the revoked certificate IDs.
pub(crate) fn revoke_certificates_showing(
    tx: &mut Transaction<'_>,
    id: DoseId,
    reason: &str,
    at: &str,
    audit_seq: i64,
) -> Result<Vec<String>, StoreError> {
    let m = code(id.municipality());
    let hits = tx.query(
        "SELECT i.certificate_id, i.kid, i.rid FROM issuances i
         JOIN issuance_doses d ON d.municipality = i.municipality
             AND d.certificate_id = i.certificate_id
         WHERE d.municipality = $1 AND d.dose_id = $2 AND i.revoked_at IS NULL",
        &[&m, &(id.serial() as i64)],
    )?;
    let why = format!("dose {reason}");
    let mut out = Vec::with_capacity(hits.len());
    for h in &hits {
        let (cert, kid, rid): (String, String, String) = (h.get(0), h.get(1), h.get(2));
        tx.execute(
            "UPDATE issuances SET revoked_at = $3, revoked_reason = $4
             WHERE municipality = $1 AND certificate_id = $2",
            &[&m, &cert, &at, &why],
        )?;
        let key = crl_version_key(&kid);
        let kept: Option<String> = tx
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
            .map(|r| r.get(0));
        let version: i64 = match kept {
            Some(v) => v.parse().map_err(corrupt)?,
            None => tx
                .query_one(
                    "SELECT 1 + count(*) FROM revocations WHERE kid = $1",
                    &[&kid],
                )?
                .get(0),
        };
        // One person's cards share a rid: a listed rid moves on to this time.
        let changed = tx.execute(
            "INSERT INTO revocations (kid, rid, municipality, revoked_at, reason, audit_seq)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (municipality, kid, rid) DO UPDATE
               SET revoked_at = excluded.revoked_at, reason = excluded.reason,
                   audit_seq = excluded.audit_seq
               WHERE excluded.revoked_at::timestamptz > revocations.revoked_at::timestamptz",
            &[&kid, &rid, &m, &at, &why, &audit_seq],
        )?;
        if changed > 0 {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &(version + 1).to_string()],
            )?;
        }
        out.push(cert);
    }
    Ok(out)
}

impl Pg {
    /// The address number of `n` in `m` (by blind index), in its own read.
    fn address_of(
        &self,
        keys: &Keyring,
        m: MunicipalityCode,
        n: &MyNumber,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let row = tx.query_opt(
            "SELECT address_number FROM residents WHERE municipality = $1 AND my_number_index = $2",
            &[&code(m), &keys.blind_index(n, m)?.as_slice()],
        )?;
        tx.commit()?;
        Ok(row.map(|r| r.get(0)))
    }

    /// [`crate::Store::issuable_doses`] on PostgreSQL.
    pub(crate) fn issuable_doses(
        &self,
        keys: &Keyring,
        m: MunicipalityCode,
        n: &MyNumber,
    ) -> Result<Option<Vec<IssuableDose>>, StoreError> {
        let Some(address) = self.address_of(keys, m, n)? else {
            return Ok(None);
        };
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let rows = tx.query(
            "SELECT id, dose_number, date, product, lot, venue, vaccinating_municipality FROM doses
             WHERE municipality = $1 AND address_number = $2 AND status = 'active'
             ORDER BY dose_number, date",
            &[&code(m), &address],
        )?;
        tx.commit()?;
        let doses = rows
            .iter()
            .map(|r| {
                let venue: Option<&str> = r.get(5);
                Ok(IssuableDose {
                    id: r.get(0),
                    dose_number: DoseNumber::new(r.get::<_, i16>(1) as u8).map_err(corrupt)?,
                    date: parse(r.get::<_, &str>(2))?,
                    product: parse(r.get::<_, &str>(3))?,
                    lot: parse(r.get::<_, &str>(4))?,
                    venue: venue.map(parse).transpose()?,
                    vaccinating_municipality: municipality(r.get(6))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(doses))
    }

    /// [`crate::Store::revocation_subject`] on PostgreSQL.
    pub(crate) fn revocation_subject(
        &self,
        keys: &Keyring,
        m: MunicipalityCode,
        n: &MyNumber,
    ) -> Result<Option<AddressNumber>, StoreError> {
        self.address_of(keys, m, n)?
            .map(|a| {
                a.parse()
                    .map_err(|e: vrs_domain::DomainError| StoreError::Corrupt {
                        what: format!("stored address number: {e}"),
                    })
            })
            .transpose()
    }

    /// [`crate::Store::record_issuance_with`] on PostgreSQL.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_issuance_with<E>(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        m: MunicipalityCode,
        origin: &str,
        record: &IssuanceRecord,
        dose_ids: &[i64],
        applicant: &MyNumber,
        deliver: impl FnOnce() -> Result<(), E>,
    ) -> Result<Result<i64, E>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let detail = serde_json::json!({
            "certificate_id": record.certificate_id,
            "kind": record.kind,
            "origin": origin,
            "kid": record.kid,
            "doses": dose_ids.len(),
            "with_holders_card": record.with_holders_card,
        });
        let ev = event(allowed, Some(keys.blind_index(applicant, m)?), detail);
        let seq = audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.execute(
            "INSERT INTO issuances (certificate_id, municipality, kind, name, birth_date, nationality,
                 passport_number, origin, with_holders_card, kid, rid, issued_at, audit_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &record.certificate_id,
                &code(m),
                &record.kind,
                &record.name,
                &record.birth_date,
                &record.nationality,
                &record.passport_number,
                &origin,
                &record.with_holders_card,
                &record.kid,
                &record.rid,
                &record.issued_at,
                &seq,
            ],
        )?;
        for id in dose_ids {
            tx.execute(
                "INSERT INTO issuance_doses (municipality, certificate_id, dose_id) VALUES ($1, $2, $3)",
                &[&code(m), &record.certificate_id, id],
            )?;
        }
        if let Err(e) = deliver() {
            // Dropping `tx` rolls the history row and its event back.
            return Ok(Err(e));
        }
        tx.commit()?;
        Ok(Ok(seq))
    }

    /// Appends one event of `allowed`'s partition in its own transaction.
    pub(crate) fn audit_in_area(
        &self,
        keys: &Keyring,
        m: MunicipalityCode,
        ev: &crate::AuditEvent<'_>,
    ) -> Result<i64, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let seq = audit::append(&mut tx, keys, ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(seq)
    }

    /// [`crate::Store::issuances`] on PostgreSQL.
    pub(crate) fn issuances(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        m: MunicipalityCode,
    ) -> Result<Vec<IssuanceRecord>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let rows = tx.query(
            "SELECT certificate_id, municipality, kind, name, birth_date, nationality, passport_number,
                    with_holders_card, kid, rid, issued_at, revoked_at, revoked_reason, origin
             FROM issuances WHERE municipality = $1 ORDER BY issued_at DESC, certificate_id",
            &[&code(m)],
        )?;
        let out: Vec<IssuanceRecord> = rows
            .iter()
            .map(|r| IssuanceRecord {
                certificate_id: r.get(0),
                municipality: format!("{:06}", r.get::<_, i32>(1)),
                kind: r.get(2),
                name: r.get(3),
                birth_date: r.get(4),
                nationality: r.get(5),
                passport_number: r.get(6),
                with_holders_card: r.get(7),
                kid: r.get(8),
                rid: r.get(9),
                issued_at: r.get(10),
                revoked_at: r.get(11),
                revoked_reason: r.get(12),
                origin: r.get(13),
            })
            .collect();
        let ev = event(allowed, None, serde_json::json!({ "issuances": out.len() }));
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`crate::Store::search_residents`] on PostgreSQL: one municipality's
    /// residents born on `birth` whose kana name starts with `kana`.
    pub(crate) fn search_residents(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        kana: &str,
        birth: &BirthDate,
        limit: u32,
    ) -> Result<Vec<Resident>, StoreError> {
        let m = allowed.partition_for(Action::ReadResident)?;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let rows = tx.query(
            &format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents
                 WHERE municipality = $1 AND birth_date = $2 AND left(name_kana, $3) = $4
                 ORDER BY name_kana COLLATE \"C\", address_number COLLATE \"C\" LIMIT $5"
            ),
            &[
                &code(m),
                &birth.to_string(),
                &(kana.chars().count() as i32),
                &kana,
                &i64::from(limit),
            ],
        )?;
        let found = rows
            .iter()
            .map(|r| super::residents::resident_from_row(keys, m, r))
            .collect::<Result<Vec<_>, _>>()?;
        let detail = serde_json::json!({ "by": "kana_name_birth_date", "found": found.len() });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(found)
    }
}
