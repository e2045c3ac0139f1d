//! Electronic issuance (N-1, A10-4, P11-2): finding the applicant's record by My
//! Number, keeping the issuance history (P11-2-3 fields only), and revoking the
//! certificates that show a dose when that dose is corrected or deleted.

use rusqlite::{params, OptionalExtension};

use crate::group::Transaction;
use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{Action, Allowed, Purpose};
use vrs_domain::{
    AddressNumber, DoseNumber, LotNumber, MunicipalityCode, MyNumber, VaccineProduct, VenueName,
};

use crate::doses::{corrupt, parse};

use crate::audit;
use crate::residents::event;
use crate::{Store, StoreError};

/// A dose in force as a certificate shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuableDose {
    /// The dose's row id (to link the certificate to it).
    pub id: i64,
    /// Dose number.
    pub dose_number: DoseNumber,
    /// Date of vaccination.
    pub date: NaiveDate,
    /// Vaccine product.
    pub product: VaccineProduct,
    /// Lot number.
    pub lot: LotNumber,
    /// The venue, if recorded.
    pub venue: Option<VenueName>,
    /// The municipality whose venue gave the dose.
    pub vaccinating_municipality: MunicipalityCode,
}

/// What the issuance history keeps of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceRecord {
    /// The certificate's ID.
    pub certificate_id: String,
    /// The issuing municipality (six digits).
    pub municipality: String,
    /// `domestic` or `overseas`.
    pub kind: String,
    /// Holder's name (P11-2-3).
    pub name: String,
    /// Holder's birth date (P11-2-3).
    pub birth_date: String,
    /// Nationality, overseas only (P11-2-3).
    pub nationality: Option<String>,
    /// Passport number, overseas only (P11-2-3).
    pub passport_number: Option<String>,
    /// Whether the application was made with the holder's own card (A10-8).
    pub with_holders_card: bool,
    /// `individual` (the person applied through the app) or `counter` (a clerk
    /// issued it at the counter, 窓口発行); set from the decision when recorded.
    pub origin: String,
    /// The signing key.
    pub kid: String,
    /// The revocation id.
    pub rid: String,
    /// When it was issued.
    pub issued_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
}

impl Store {
    /// A10-4-5: the applicant's doses in force, found by My Number in the issuing
    /// municipality's area; `None` when it holds no such person.
    pub fn issuable_doses(
        &self,
        allowed: &Allowed,
        n: &MyNumber,
    ) -> Result<Option<Vec<IssuableDose>>, StoreError> {
        let m = allowed.partition_for(Action::IssueCertificate)?;
        let conn = backend!(self, pg => pg.issuable_doses(&self.keys, m, n));
        let address: Option<String> = conn
            .prepare_cached("SELECT address_number FROM residents WHERE municipality = ?1 AND my_number_index = ?2")?
            .query_row(params![m.as_u32(), self.keys.blind_index(n, m)?.as_slice()], |r| r.get(0))
            .optional()?;
        let Some(address) = address else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id, dose_number, date, product, lot, venue, vaccinating_municipality FROM doses
             WHERE municipality = ?1 AND address_number = ?2 AND status = 'active'
             ORDER BY dose_number, date",
        )?;
        let mut rows = stmt.query(params![m.as_u32(), address])?;
        let mut doses = Vec::new();
        while let Some(r) = rows.next()? {
            let venue: Option<String> = r.get(5)?;
            doses.push(IssuableDose {
                id: r.get(0)?,
                dose_number: DoseNumber::new(r.get(1)?).map_err(corrupt)?,
                date: parse(&r.get::<_, String>(2)?)?,
                product: parse(&r.get::<_, String>(3)?)?,
                lot: parse(&r.get::<_, String>(4)?)?,
                venue: venue.as_deref().map(parse).transpose()?,
                vaccinating_municipality: MunicipalityCode::from_u32(r.get(6)?).map_err(corrupt)?,
            });
        }
        Ok(Some(doses))
    }

    /// The applicant's address number (宛名番号) in the proof's municipality: the
    /// internal person ID that revocation ids are derived from, so that one
    /// person's certificates share one. `None` when the municipality holds no such
    /// resident.
    pub fn revocation_subject(
        &self,
        allowed: &Allowed,
        n: &MyNumber,
    ) -> Result<Option<AddressNumber>, StoreError> {
        let m = allowed.partition_for(Action::IssueCertificate)?;
        let address: Option<String> = backend!(self, pg => pg.revocation_subject(&self.keys, m, n))
            .prepare_cached("SELECT address_number FROM residents WHERE municipality = ?1 AND my_number_index = ?2")?
            .query_row(params![m.as_u32(), self.keys.blind_index(n, m)?.as_slice()], |r| r.get(0))
            .optional()?;
        address
            .map(|a| {
                a.parse()
                    .map_err(|e: vrs_domain::DomainError| StoreError::Corrupt {
                        what: format!("stored address number: {e}"),
                    })
            })
            .transpose()
    }

    /// Records an issued certificate (P11-2-3 fields only) and the doses it shows,
    /// with the application's audit event, in one transaction.
    pub fn record_issuance(
        &mut self,
        allowed: &Allowed,
        record: &IssuanceRecord,
        dose_ids: &[i64],
        applicant: &MyNumber,
    ) -> Result<i64, StoreError> {
        self.record_issuance_with(allowed, record, dose_ids, applicant, || {
            Ok::<(), std::convert::Infallible>(())
        })?
        .map_err(|never| match never {})
    }

    /// [`Store::record_issuance`], running `deliver` (e.g. writing the
    /// certificate's files) after the rows are written and before they are
    /// committed: when it fails, nothing is recorded and its error is returned.
    pub fn record_issuance_with<E>(
        &mut self,
        allowed: &Allowed,
        record: &IssuanceRecord,
        dose_ids: &[i64],
        applicant: &MyNumber,
        deliver: impl FnOnce() -> Result<(), E>,
    ) -> Result<Result<i64, E>, StoreError> {
        let m = allowed.partition_for(Action::IssueCertificate)?;
        let origin = if allowed.request().at_counter {
            "counter"
        } else {
            "individual"
        };
        let tx = backend!(mut self, pg => pg.record_issuance_with(&self.keys, allowed, m, origin, record, dose_ids, applicant, deliver)).transaction()?;
        let detail = serde_json::json!({
            "certificate_id": record.certificate_id,
            "kind": record.kind,
            "origin": origin,
            "kid": record.kid,
            "doses": dose_ids.len(),
            "with_holders_card": record.with_holders_card,
        });
        let seq = audit::append(
            &tx,
            &self.keys,
            &event(allowed, Some(self.keys.blind_index(applicant, m)?), detail),
        )?;
        tx.execute(
            "INSERT INTO issuances (certificate_id, municipality, kind, name, birth_date, nationality,
                 passport_number, origin, with_holders_card, kid, rid, issued_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?13, ?8, ?9, ?10, ?11, ?12)",
            params![
                record.certificate_id,
                m.as_u32(),
                record.kind,
                record.name,
                record.birth_date,
                record.nationality,
                record.passport_number,
                record.with_holders_card,
                record.kid,
                record.rid,
                record.issued_at,
                seq,
                origin
            ],
        )?;
        for id in dose_ids {
            tx.execute(
                "INSERT INTO issuance_doses (certificate_id, dose_id) VALUES (?1, ?2)",
                params![record.certificate_id, id],
            )?;
        }
        if let Err(e) = deliver() {
            // Dropping `tx` rolls the history row and its event back.
            return Ok(Err(e));
        }
        tx.commit()?;
        Ok(Ok(seq))
    }

    /// Audits an application refused after the rules allowed it (bad card,
    /// passport, no record, ...), with the applicant's blind index when known.
    pub fn audit_application_refusal(
        &mut self,
        allowed: &Allowed,
        applicant: Option<&MyNumber>,
        kind: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let m = allowed.partition_for(Action::IssueCertificate)?;
        let subject = applicant.map(|n| self.keys.blind_index(n, m)).transpose()?;
        let mut ev = event(
            allowed,
            subject,
            serde_json::json!({ "refused": kind, "detail": detail }),
        );
        ev.outcome = crate::Outcome::Refused;
        let tx = backend!(mut self, pg => pg.audit_in_area(&self.keys, m, &ev)).transaction()?;
        let seq = audit::append(&tx, &self.keys, &ev)?;
        tx.commit()?;
        Ok(seq)
    }

    /// The issuance history of the proof's municipality, newest first. It is data
    /// received from individuals, so the proof must be for reading it for
    /// certificate issuance (T1-9-3).
    pub fn issuances(&mut self, allowed: &Allowed) -> Result<Vec<IssuanceRecord>, StoreError> {
        let m = allowed.partition_for(Action::ReadIndividualData)?;
        if allowed.request().purpose != Some(Purpose::CertificateIssuance) {
            return Err(StoreError::WrongProof {
                expected: "purpose certificate_issuance",
                got: "another purpose",
            });
        }
        let tx = backend!(mut self, pg => pg.issuances(&self.keys, allowed, m)).transaction()?;
        let out = {
            let mut stmt = tx.prepare(
                "SELECT certificate_id, municipality, kind, name, birth_date, nationality, passport_number,
                        with_holders_card, kid, rid, issued_at, revoked_at, revoked_reason, origin
                 FROM issuances WHERE municipality = ?1 ORDER BY issued_at DESC, certificate_id",
            )?;
            let rows = stmt.query_map([m.as_u32()], |r| {
                Ok(IssuanceRecord {
                    certificate_id: r.get(0)?,
                    municipality: format!("{:06}", r.get::<_, u32>(1)?),
                    kind: r.get(2)?,
                    name: r.get(3)?,
                    birth_date: r.get(4)?,
                    nationality: r.get(5)?,
                    passport_number: r.get(6)?,
                    with_holders_card: r.get(7)?,
                    kid: r.get(8)?,
                    rid: r.get(9)?,
                    issued_at: r.get(10)?,
                    revoked_at: r.get(11)?,
                    revoked_reason: r.get(12)?,
                    origin: r.get(13)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        audit::append(
            &tx,
            &self.keys,
            &event(allowed, None, serde_json::json!({ "issuances": out.len() })),
        )?;
        tx.commit()?;
        Ok(out)
    }
}

/// Revokes every certificate in force that shows dose `dose_id` (the dose was
/// corrected or deleted): the certificate's rid goes on its key's revocation
/// list with the time of the revocation (its holder's cards issued up to then are
/// revoked), raising the JWKS `crlVersion`. Returns the revoked certificate IDs.
pub(crate) fn revoke_certificates_showing(
    tx: &Transaction<'_>,
    dose_id: i64,
    reason: &str,
    at: &str,
    audit_seq: i64,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT i.certificate_id, i.kid, i.rid, i.municipality FROM issuances i
         JOIN issuance_doses d ON d.certificate_id = i.certificate_id
         WHERE d.dose_id = ?1 AND i.revoked_at IS NULL",
    )?;
    let hits = stmt
        .query_map([dose_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let why = format!("dose {reason}");
    for (cert, kid, rid, m) in &hits {
        tx.execute(
            "UPDATE issuances SET revoked_at = ?2, revoked_reason = ?3 WHERE certificate_id = ?1",
            params![cert, at, why],
        )?;
        // One person's cards share a rid: a rid listed already moves on to this
        // revocation's time (it then covers the cards issued since), and every
        // change of the list is a new version of it.
        let version = crate::keys::crl_version(tx, kid)?;
        let changed = tx.execute(
            "INSERT INTO revocations (kid, rid, municipality, revoked_at, reason, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (kid, rid) DO UPDATE
               SET revoked_at = excluded.revoked_at, reason = excluded.reason,
                   audit_seq = excluded.audit_seq
               WHERE unixepoch(excluded.revoked_at) > unixepoch(revocations.revoked_at)",
            params![kid, rid, m, at, why, audit_seq],
        )?;
        if changed > 0 {
            crate::keys::set_crl_version(tx, kid, version + 1)?;
        }
    }
    Ok(hits.into_iter().map(|h| h.0).collect())
}
