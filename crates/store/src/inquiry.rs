//! Cross-municipality inquiry (D12-3): the holder's answer about one person,
//! recorded in both municipalities' audit trails in one transaction.

use crate::audit::Outcome;
use rusqlite::{params, OptionalExtension};

use crate::group::Transaction;
use chrono::NaiveDate;
use serde::Serialize;
use vrs_consent::{Action, Allowed};
use vrs_domain::{DoseNumber, LotNumber, MunicipalityCode, MyNumber, VaccineProduct};

use crate::audit::{self, AuditEvent};
use crate::keyring::Keyring;
use crate::{Store, StoreError};

/// One dose as an inquiry answers it: nothing about the person beyond the dose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InquiryDose {
    /// Dose number (1st, 2nd, ...).
    pub dose_number: DoseNumber,
    /// Date of vaccination (JSON: YYYY-MM-DD).
    pub date: NaiveDate,
    /// Vaccine product (JSON: its catalog id).
    pub product: VaccineProduct,
    /// Lot number.
    pub lot: LotNumber,
    /// The municipality where the dose was given (JSON: six digits).
    pub vaccinating_municipality: MunicipalityCode,
}

/// The holder's answer: whether it holds the person, and the person's doses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InquiryAnswer {
    /// Whether the holder has a resident with that My Number.
    pub found: bool,
    /// The provisions the provision of data rests on.
    pub legal_basis: Vec<String>,
    /// The person's doses held by the holder.
    pub doses: Vec<InquiryDose>,
    /// With `--record`: what became of each answered dose in the asking
    /// municipality's records (carried over, already held, or a conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Vec<crate::moves::Recorded>>,
}

/// How one inquiry is answered: whether the holder may provide (the rules'
/// `holder_may_provide`), and whether the answer is recorded as carried-over doses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answering {
    /// False: the holder answers that it holds nothing (not the previous municipality).
    pub provide: bool,
    /// True: store the answered doses in the asking municipality's area.
    pub record: bool,
}

/// The provisions the decision cited as the basis of providing records
/// (vrs-consent's reading of the decision).
pub(crate) fn legal_basis(allowed: &Allowed) -> Vec<String> {
    vrs_consent::grounds::provision_basis(allowed)
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect()
}

/// Looks one person up in the holder's area: whether it holds them, and their
/// doses in force (entered-in-error doses are not part of the record).
fn answer(
    tx: &Transaction<'_>,
    holder: MunicipalityCode,
    index: &[u8; 32],
) -> Result<(bool, Vec<InquiryDose>), StoreError> {
    let address: Option<String> = tx
        .prepare_cached(
            "SELECT address_number FROM residents WHERE municipality = ?1 AND my_number_index = ?2",
        )?
        .query_row(params![holder.as_u32(), index.as_slice()], |r| r.get(0))
        .optional()?;
    let Some(address) = address else {
        return Ok((false, Vec::new()));
    };
    let mut stmt = tx.prepare_cached(
        "SELECT dose_number, date, product, lot, vaccinating_municipality FROM doses
         WHERE municipality = ?1 AND address_number = ?2 AND status = 'active'
         ORDER BY dose_number",
    )?;
    let mut rows = stmt.query(params![holder.as_u32(), address])?;
    let mut doses = Vec::new();
    while let Some(r) = rows.next()? {
        doses.push(InquiryDose {
            dose_number: DoseNumber::new(r.get(0)?).map_err(crate::doses::corrupt)?,
            date: crate::doses::parse(&r.get::<_, String>(1)?)?,
            product: crate::doses::parse(&r.get::<_, String>(2)?)?,
            lot: crate::doses::parse(&r.get::<_, String>(3)?)?,
            vaccinating_municipality: MunicipalityCode::from_u32(r.get(4)?)
                .map_err(crate::doses::corrupt)?,
        });
    }
    Ok((true, doses))
}

/// The person's blind index in the asking municipality's own partition.
pub(crate) fn asking_index(
    keys: &Keyring,
    allowed: &Allowed,
    n: &MyNumber,
) -> Result<[u8; 32], StoreError> {
    match allowed.principal() {
        vrs_domain::Principal::Municipality(m) => keys.blind_index(n, m),
        _ => Err(StoreError::WrongProof {
            expected: "an inquiry by a municipality",
            got: "another principal",
        }),
    }
}

/// Both audit trails: the holder's (what it provided, to whom) and the asking
/// municipality's (what it asked, of whom), with the legal basis.
fn record(
    tx: &Transaction<'_>,
    keys: &Keyring,
    allowed: &Allowed,
    subject: &MyNumber,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    let asking = match allowed.principal() {
        vrs_domain::Principal::Municipality(m) => m,
        _ => {
            return Err(StoreError::WrongProof {
                expected: "an inquiry by a municipality",
                got: "another principal",
            })
        }
    };
    let holder = allowed.partition();
    let at = allowed.as_of().to_rfc3339();
    let principal = allowed.principal().to_string();
    let grounds: Vec<&str> = allowed
        .grounds()
        .iter()
        .map(|g| g.provision.as_str())
        .collect();
    for (municipality, role) in [(holder, "provided"), (Some(asking), "asked")] {
        // Each trail names the person by its own municipality's blind index.
        let subject = match municipality {
            Some(m) => keys.blind_index(subject, m)?,
            None => keys.operator_blind_index(subject),
        };
        let municipality = municipality.map(|m| m.as_u32());
        let mut detail = detail.clone();
        if let Some(map) = detail.as_object_mut() {
            map.insert("role".into(), role.into());
            map.insert("asking".into(), asking.to_string().into());
            map.insert("holder".into(), holder.map(|h| h.to_string()).into());
        }
        audit::append(
            tx,
            keys,
            &AuditEvent::new(
                at.clone(),
                &principal,
                Action::Inquire.as_str(),
                Outcome::Allowed,
            )
            .in_area(municipality)
            .about(Some(subject))
            .citing(grounds.clone())
            .with_detail(detail),
        )?;
    }
    Ok(())
}

impl Store {
    /// Answers one inquiry in the holder's area (the proof's partition).
    pub fn inquire(
        &mut self,
        allowed: &Allowed,
        n: &MyNumber,
        purpose: &str,
        how: Answering,
    ) -> Result<InquiryAnswer, StoreError> {
        allowed.check(Action::Inquire)?;
        let holder = allowed.partition().ok_or(StoreError::WrongProof {
            expected: "a holder",
            got: "none",
        })?;
        let index = self.keys.blind_index(n, holder)?;
        let tx = backend!(mut self, pg => pg.inquire(&self.keys, allowed, holder, n, purpose, how))
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (found, doses) = if how.provide {
            answer(&tx, holder, &index)?
        } else {
            (false, Vec::new())
        };
        let recorded = if how.record {
            let own = asking_index(&self.keys, allowed, n)?;
            Some(crate::moves::carry_over(
                &tx, allowed, holder, &own, &doses,
            )?)
        } else {
            None
        };
        let basis = legal_basis(allowed);
        let carried = recorded.as_ref().map(|r| crate::moves::added(r));
        record(
            &tx,
            &self.keys,
            allowed,
            n,
            serde_json::json!({
                "found": found, "doses": doses.len(), "purpose": purpose, "legal_basis": basis,
                "withheld": !how.provide, "carried_over": carried,
            }),
        )?;
        tx.commit()?;
        Ok(InquiryAnswer {
            found,
            legal_basis: basis,
            doses,
            recorded,
        })
    }

    /// Answers many inquiries in one transaction (the bulk inquiry for movers).
    /// Each person is recorded in the holder's trail; the asking municipality's
    /// trail gets one event for the batch with its count.
    pub fn inquire_batch(
        &mut self,
        allowed: &Allowed,
        numbers: &[(MyNumber, Answering)],
        purpose: &str,
    ) -> Result<Vec<InquiryAnswer>, StoreError> {
        allowed.check(Action::Inquire)?;
        let holder = allowed.partition().ok_or(StoreError::WrongProof {
            expected: "a holder",
            got: "none",
        })?;
        let basis = legal_basis(allowed);
        let tx = backend!(mut self, pg => pg.inquire_batch(&self.keys, allowed, holder, numbers, purpose))
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let at = allowed.as_of().to_rfc3339();
        let principal = allowed.principal().to_string();
        let grounds: Vec<&str> = allowed
            .grounds()
            .iter()
            .map(|g| g.provision.as_str())
            .collect();
        let mut out = Vec::with_capacity(numbers.len());
        let mut found_count = 0u64;
        let mut carried_count = 0usize;
        for (n, how) in numbers {
            let index = self.keys.blind_index(n, holder)?;
            let (found, doses) = if how.provide {
                answer(&tx, holder, &index)?
            } else {
                (false, Vec::new())
            };
            let recorded = if how.record {
                let own = asking_index(&self.keys, allowed, n)?;
                Some(crate::moves::carry_over(
                    &tx, allowed, holder, &own, &doses,
                )?)
            } else {
                None
            };
            carried_count += recorded.as_ref().map_or(0, |r| crate::moves::added(r));
            found_count += u64::from(found);
            audit::append(
                &tx,
                &self.keys,
                &AuditEvent::new(at.clone(), &principal, Action::Inquire.as_str(), Outcome::Allowed)
                    .in_area(Some(holder.as_u32()))
                    .about(Some(index))
                    .citing(grounds.clone())
                    .with_detail(serde_json::json!({ "role": "provided", "batch": true, "found": found, "doses": doses.len(), "purpose": purpose, "withheld": !how.provide })),
            )?;
            out.push(InquiryAnswer {
                found,
                legal_basis: basis.clone(),
                doses,
                recorded,
            });
        }
        if let vrs_domain::Principal::Municipality(asking) = allowed.principal() {
            audit::append(
                &tx,
                &self.keys,
                &AuditEvent::new(at, &principal, Action::Inquire.as_str(), Outcome::Allowed)
                    .in_area(Some(asking.as_u32()))
                    .citing(grounds)
                    .with_detail(serde_json::json!({
                        "role": "asked", "batch": true, "holder": holder.to_string(),
                        "count": numbers.len(), "found": found_count, "purpose": purpose,
                        "carried_over": carried_count,
                    })),
            )?;
        }
        tx.commit()?;
        Ok(out)
    }
}
