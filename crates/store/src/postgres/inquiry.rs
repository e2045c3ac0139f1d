//! Inquiry and moves on PostgreSQL (as `crate::inquiry` and `crate::moves`):
//! the holder's answer recorded in both municipalities' audit trails in one
//! transaction (a national one: it touches two areas), the answered doses
//! carried over into the asking municipality's area (each dose's fate is
//! vrs-consent's `carry_over`), where a resident lived before, and the
//! residents whose next ticket is due.

use chrono::NaiveDate;
use postgres::Transaction;
use vrs_consent::{
    latest_previous_dose_possibly_due, ticket_due_on, Action, Allowed, CarryOver, HeldDose,
    Residence,
};
use vrs_domain::{
    BirthDate, DoseId, DoseNumber, MunicipalityCode, MyNumber, Principal, TicketNumber,
};

use super::doses::{code, municipality};
use super::{audit, Pg, Scope};
use crate::audit::{AuditEvent, Outcome};
use crate::doses::{corrupt, parse};
use crate::inquiry::{asking_index, legal_basis, Answering, InquiryAnswer, InquiryDose};
use crate::moves::{added, Recorded, TicketDue};
use crate::residents::event;
use crate::{Keyring, StoreError};

/// Looks one person up in the holder's area: whether it holds them, and their
/// doses in force.
fn answer(
    tx: &mut Transaction<'_>,
    holder: MunicipalityCode,
    index: &[u8; 32],
) -> Result<(bool, Vec<InquiryDose>), StoreError> {
    let address = tx.query_opt(
        "SELECT address_number FROM residents WHERE municipality = $1 AND my_number_index = $2",
        &[&code(holder), &index.as_slice()],
    )?;
    let Some(address) = address else {
        return Ok((false, Vec::new()));
    };
    let address: String = address.get(0);
    let doses = tx
        .query(
            "SELECT dose_number, date, product, lot, vaccinating_municipality FROM doses
             WHERE municipality = $1 AND address_number = $2 AND status = 'active'
             ORDER BY dose_number",
            &[&code(holder), &address],
        )?
        .iter()
        .map(|r| {
            Ok(InquiryDose {
                dose_number: DoseNumber::new(r.get::<_, i16>(0) as u8).map_err(corrupt)?,
                date: parse(r.get::<_, &str>(1))?,
                product: parse(r.get::<_, &str>(2))?,
                lot: parse(r.get::<_, &str>(3))?,
                vaccinating_municipality: municipality(r.get(4))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((true, doses))
}

/// The asking municipality of an inquiry.
fn asking_of(allowed: &Allowed) -> Result<MunicipalityCode, StoreError> {
    match allowed.principal() {
        Principal::Municipality(m) => Ok(m),
        _ => Err(StoreError::WrongProof {
            expected: "an inquiry by a municipality",
            got: "another principal",
        }),
    }
}

/// Stores the answered doses in the asking municipality's area as carried-over
/// doses (as SQLite's `moves::carry_over`).
fn carry_over(
    tx: &mut Transaction<'_>,
    allowed: &Allowed,
    holder: MunicipalityCode,
    index: &[u8; 32],
    doses: &[InquiryDose],
) -> Result<Vec<Recorded>, StoreError> {
    let asking = asking_of(allowed)?;
    let m = code(asking);
    // The rules allowed the inquiry only about a resident of the asking municipality.
    let person = tx
        .query_opt(
            "SELECT address_number, ticket_number, birth_date FROM residents
             WHERE municipality = $1 AND my_number_index = $2 FOR UPDATE",
            &[&m, &index.as_slice()],
        )?
        .ok_or_else(|| corrupt("inquiry subject is no resident"))?;
    let (address, ticket): (String, i64) = (person.get(0), person.get(1));
    let birth: BirthDate = parse(person.get::<_, &str>(2))?;
    let mut held: Vec<HeldDose> = tx
        .query(
            "SELECT dose_number, date FROM doses
             WHERE municipality = $1 AND address_number = $2 AND status = 'active'",
            &[&m, &address],
        )?
        .iter()
        .map(|r| {
            Ok(HeldDose {
                dose_number: DoseNumber::new(r.get::<_, i16>(0) as u8).map_err(corrupt)?,
                date: parse(r.get::<_, &str>(1))?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let now = allowed.as_of().to_rfc3339();
    let by = allowed.principal().to_string();
    let reason = format!("carried over from {holder}'s answer to an inquiry");
    let mut out = Vec::with_capacity(doses.len());
    for d in doses {
        let outcome = vrs_consent::carry_over(&held, d.dose_number, d.date);
        let mut dose_id = None;
        if let CarryOver::Add { dose_number } = outcome {
            let number = i16::from(dose_number.get());
            let id: i64 = tx
                .query_one(
                    "INSERT INTO doses (municipality, address_number, ticket_number, ticket_kind,
                         ticket_dose_count, dose_number, date, product, lot, venue, doctor,
                         vaccinating_municipality, age, registered_at, registered_by, on_behalf,
                         status, confirmed, review, version, changed_at, changed_by, change, reason,
                         carried_from, original_dose_number)
                     VALUES ($1, $2, $3, 0, $4, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11, false,
                         'active', true, NULL, 1, $10, $11, 'carried_over', $12, $13, $14)
                     RETURNING id",
                    &[
                        &m,
                        &address,
                        &ticket,
                        &number,
                        &d.date.to_string(),
                        &d.product.id(),
                        &d.lot.as_str(),
                        &code(d.vaccinating_municipality),
                        &birth.age_on(d.date),
                        &now,
                        &by,
                        &reason,
                        &code(holder),
                        &i16::from(d.dose_number.get()),
                    ],
                )?
                .get(0);
            dose_id = Some(DoseId::new(asking, id as u64).map_err(corrupt)?);
            held.push(HeldDose {
                dose_number,
                date: d.date,
            });
        }
        out.push(Recorded {
            original_dose_number: d.dose_number,
            date: d.date,
            outcome,
            dose_id,
        });
    }
    Ok(out)
}

/// The grounds `allowed` cites, as the audit log holds them.
fn grounds(allowed: &Allowed) -> Vec<&'static str> {
    allowed
        .grounds()
        .iter()
        .map(|g| g.provision.as_str())
        .collect()
}

impl Pg {
    /// [`crate::Store::inquire`] on PostgreSQL.
    pub(crate) fn inquire(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        holder: MunicipalityCode,
        n: &MyNumber,
        purpose: &str,
        how: Answering,
    ) -> Result<InquiryAnswer, StoreError> {
        let asking = asking_of(allowed)?;
        let index = keys.blind_index(n, holder)?;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let (found, doses) = if how.provide {
            answer(&mut tx, holder, &index)?
        } else {
            (false, Vec::new())
        };
        let recorded = if how.record {
            let own = asking_index(keys, allowed, n)?;
            Some(carry_over(&mut tx, allowed, holder, &own, &doses)?)
        } else {
            None
        };
        let basis = legal_basis(allowed);
        let carried = recorded.as_ref().map(|r| added(r));
        let detail = serde_json::json!({
            "found": found, "doses": doses.len(), "purpose": purpose, "legal_basis": basis,
            "withheld": !how.provide, "carried_over": carried,
        });
        let at = allowed.as_of().to_rfc3339();
        let principal = allowed.principal().to_string();
        // Both trails, each naming the person by its own municipality's blind index.
        for (m, role) in [(holder, "provided"), (asking, "asked")] {
            let mut detail = detail.clone();
            if let Some(map) = detail.as_object_mut() {
                map.insert("role".into(), role.into());
                map.insert("asking".into(), asking.to_string().into());
                map.insert("holder".into(), holder.to_string().into());
            }
            let ev = AuditEvent::new(
                at.clone(),
                &principal,
                Action::Inquire.as_str(),
                Outcome::Allowed,
            )
            .in_area(Some(m.as_u32()))
            .about(Some(keys.blind_index(n, m)?))
            .citing(grounds(allowed))
            .with_detail(detail);
            audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        }
        tx.commit()?;
        Ok(InquiryAnswer {
            found,
            legal_basis: basis,
            doses,
            recorded,
        })
    }

    /// [`crate::Store::inquire_batch`] on PostgreSQL.
    pub(crate) fn inquire_batch(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        holder: MunicipalityCode,
        numbers: &[(MyNumber, Answering)],
        purpose: &str,
    ) -> Result<Vec<InquiryAnswer>, StoreError> {
        let basis = legal_basis(allowed);
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let at = allowed.as_of().to_rfc3339();
        let principal = allowed.principal().to_string();
        let mut out = Vec::with_capacity(numbers.len());
        let mut found_count = 0u64;
        let mut carried_count = 0usize;
        for (n, how) in numbers {
            let index = keys.blind_index(n, holder)?;
            let (found, doses) = if how.provide {
                answer(&mut tx, holder, &index)?
            } else {
                (false, Vec::new())
            };
            let recorded = if how.record {
                let own = asking_index(keys, allowed, n)?;
                Some(carry_over(&mut tx, allowed, holder, &own, &doses)?)
            } else {
                None
            };
            carried_count += recorded.as_ref().map_or(0, |r| added(r));
            found_count += u64::from(found);
            let ev = AuditEvent::new(at.clone(), &principal, Action::Inquire.as_str(), Outcome::Allowed)
                .in_area(Some(holder.as_u32()))
                .about(Some(index))
                .citing(grounds(allowed))
                .with_detail(serde_json::json!({ "role": "provided", "batch": true, "found": found, "doses": doses.len(), "purpose": purpose, "withheld": !how.provide }));
            audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
            out.push(InquiryAnswer {
                found,
                legal_basis: basis.clone(),
                doses,
                recorded,
            });
        }
        if let Principal::Municipality(asking) = allowed.principal() {
            let ev = AuditEvent::new(at, &principal, Action::Inquire.as_str(), Outcome::Allowed)
                .in_area(Some(asking.as_u32()))
                .citing(grounds(allowed))
                .with_detail(serde_json::json!({
                    "role": "asked", "batch": true, "holder": holder.to_string(),
                    "count": numbers.len(), "found": found_count, "purpose": purpose,
                    "carried_over": carried_count,
                }));
            audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// [`crate::Store::residence`] on PostgreSQL.
    pub(crate) fn residence(
        &self,
        keys: &Keyring,
        asking: MunicipalityCode,
        n: &MyNumber,
    ) -> Result<Option<Residence>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(asking))?;
        let row = tx.query_opt(
            "SELECT previous_municipality, moved_in_on FROM residents
             WHERE municipality = $1 AND my_number_index = $2",
            &[&code(asking), &keys.blind_index(n, asking)?.as_slice()],
        )?;
        tx.commit()?;
        row.map(|r| {
            Ok(Residence {
                municipality: asking,
                previous_municipality: r.get::<_, Option<i32>>(0).map(municipality).transpose()?,
                moved_in_on: r.get::<_, Option<&str>>(1).map(parse).transpose()?,
            })
        })
        .transpose()
    }

    /// [`crate::Store::tickets_due`] on PostgreSQL.
    pub(crate) fn tickets_due(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        dose: DoseNumber,
        on: NaiveDate,
    ) -> Result<Vec<TicketDue>, StoreError> {
        let m = allowed.partition_for(Action::ListTicketsDue)?;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let mut out = Vec::new();
        // People whose previous dose is later than this are not due (the rules' bound).
        let bound = latest_previous_dose_possibly_due(dose, on);
        if let (true, Some(bound)) = (dose.get() > 1, bound) {
            let rows = tx.query(
                "SELECT r.address_number, r.ticket_number, r.birth_date, d.date
                 FROM doses d
                 JOIN residents r ON r.municipality = d.municipality
                     AND r.address_number = d.address_number
                 WHERE d.municipality = $1 AND d.dose_number = $2 AND d.status = 'active'
                   AND d.date <= $3
                   AND NOT EXISTS (
                     SELECT 1 FROM doses l
                     WHERE l.municipality = d.municipality AND l.address_number = d.address_number
                       AND l.dose_number > $2 AND l.status = 'active')
                 ORDER BY d.address_number COLLATE \"C\"",
                &[&code(m), &i16::from(dose.get() - 1), &bound.to_string()],
            )?;
            for r in &rows {
                let birth: BirthDate = parse(r.get::<_, &str>(2))?;
                let last: NaiveDate = parse(r.get::<_, &str>(3))?;
                if let Some(due_on) = ticket_due_on(dose, last, birth, on) {
                    out.push(TicketDue {
                        address_number: parse(r.get::<_, &str>(0))?,
                        ticket_number: TicketNumber::from_u64(r.get::<_, i64>(1) as u64)
                            .map_err(corrupt)?,
                        last_dose_date: last,
                        due_on,
                    });
                }
            }
        }
        let detail = serde_json::json!({ "dose": dose, "on": on, "due": out.len() });
        let ev = event(allowed, None, detail);
        audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(out)
    }
}
