//! Consents and emergency stops on PostgreSQL (as `crate::consents`).

use chrono::NaiveDate;
use vrs_consent::{Action, Allowed, DocumentId, Function};
use vrs_domain::MunicipalityCode;

use super::{audit, Pg, Scope};
use crate::consents::{ConsentChange, ConsentRecord, StopRecord};
use crate::residents::event;
use crate::{Keyring, StoreError};

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into() }
}

impl Pg {
    /// Consents in force, of one municipality or (national) of all.
    pub(crate) fn consents_where(
        &self,
        m: Option<MunicipalityCode>,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, m.map_or(Scope::National, Scope::Area))?;
        let rows = tx.query(
            "SELECT municipality, document, effective_from, approved_by, recorded_at FROM consents
             WHERE $1::integer IS NULL OR municipality = $1 ORDER BY municipality, document",
            &[&m.map(|m| m.as_u32() as i32)],
        )?;
        tx.commit()?;
        rows.iter()
            .map(|r| {
                let from: String = r.get(2);
                Ok(ConsentRecord {
                    municipality: MunicipalityCode::from_u32(r.get::<_, i32>(0) as u32)
                        .map_err(|e| corrupt(e.to_string()))?,
                    document: r.get::<_, String>(1).parse().map_err(corrupt)?,
                    effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                        .map_err(|e| corrupt(format!("consents.effective_from: {e}")))?,
                    approved_by: r.get(3),
                    recorded_at: r.get(4),
                })
            })
            .collect()
    }

    /// Records the proof's municipality's consent to `document`.
    pub(crate) fn grant_consent(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        document: DocumentId,
        effective_from: NaiveDate,
        approved_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        allowed.check(Action::GrantConsent)?;
        let m = allowed.partition().ok_or(StoreError::WrongProof {
            expected: "a partition",
            got: "none",
        })?;
        let now = allowed.as_of().to_rfc3339();
        let from = effective_from.format("%Y-%m-%d").to_string();
        let detail = serde_json::json!({
            "document": document,
            "effective_from": from,
            "approved_by": approved_by,
        });
        let actor = self.actor.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let seq = audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            actor.as_deref(),
            None,
        )?;
        let mi = m.as_u32() as i32;
        tx.execute(
            "INSERT INTO consents (municipality, document, effective_from, approved_by, recorded_at, audit_seq)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (municipality, document) DO UPDATE SET effective_from = excluded.effective_from,
                 approved_by = excluded.approved_by, recorded_at = excluded.recorded_at, audit_seq = excluded.audit_seq",
            &[&mi, &document.as_str(), &from, &approved_by, &now, &seq],
        )?;
        tx.execute(
            "INSERT INTO consent_history (municipality, document, change, effective_from, approved_by, recorded_at, audit_seq)
             VALUES ($1, $2, 'grant', $3, $4, $5, $6)",
            &[&mi, &document.as_str(), &from, &approved_by, &now, &seq],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// Withdraws the proof's municipality's consent to `document`.
    pub(crate) fn revoke_consent(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        document: DocumentId,
    ) -> Result<bool, StoreError> {
        allowed.check(Action::RevokeConsent)?;
        let m = allowed.partition().ok_or(StoreError::WrongProof {
            expected: "a partition",
            got: "none",
        })?;
        let now = allowed.as_of().to_rfc3339();
        let mi = m.as_u32() as i32;
        let actor = self.actor.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let existed = tx.execute(
            "DELETE FROM consents WHERE municipality = $1 AND document = $2",
            &[&mi, &document.as_str()],
        )? == 1;
        let detail = serde_json::json!({ "document": document, "was_in_force": existed });
        let seq = audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            actor.as_deref(),
            None,
        )?;
        tx.execute(
            "INSERT INTO consent_history (municipality, document, change, recorded_at, audit_seq)
             VALUES ($1, $2, 'revoke', $3, $4)",
            &[&mi, &document.as_str(), &now, &seq],
        )?;
        tx.commit()?;
        Ok(existed)
    }

    /// Every consent change of one municipality, oldest first.
    pub(crate) fn consent_history(
        &self,
        m: MunicipalityCode,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::Area(m))?;
        let rows = tx.query(
            "SELECT change, document, effective_from, approved_by, recorded_at FROM consent_history
             WHERE municipality = $1 ORDER BY id",
            &[&(m.as_u32() as i32)],
        )?;
        tx.commit()?;
        Ok(rows
            .iter()
            .map(|r| ConsentChange {
                change: r.get(0),
                document: r.get(1),
                effective_from: r.get(2),
                approved_by: r.get(3),
                recorded_at: r.get(4),
            })
            .collect())
    }

    /// The functions under an emergency stop.
    pub(crate) fn stopped_functions(&self) -> Result<Vec<StopRecord>, StoreError> {
        let rows = self.client.borrow_mut().query(
            "SELECT function, reason, stopped_at FROM emergency_stops ORDER BY function",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(StopRecord {
                    function: r.get::<_, String>(0).parse().map_err(corrupt)?,
                    reason: r.get(1),
                    stopped_at: r.get(2),
                })
            })
            .collect()
    }

    /// Stops (`stop`) or resumes a function; whether anything changed.
    pub(crate) fn emergency(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        function: Function,
        stop: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = allowed.as_of().to_rfc3339();
        let actor = self.actor.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let held = tx
            .query_opt(
                "SELECT reason FROM emergency_stops WHERE function = $1 FOR UPDATE",
                &[&function.as_str()],
            )?
            .is_some();
        let changed = match stop {
            Some(reason) => {
                allowed.check(Action::EmergencyStop)?;
                let detail = serde_json::json!({ "function": function, "reason": reason, "already_stopped": held });
                let seq = audit::append(
                    &mut tx,
                    keys,
                    &event(allowed, None, detail),
                    actor.as_deref(),
                    None,
                )?;
                if !held {
                    tx.execute(
                        "INSERT INTO emergency_stops (function, reason, stopped_at, audit_seq) VALUES ($1, $2, $3, $4)",
                        &[&function.as_str(), &reason, &now, &seq],
                    )?;
                    tx.execute(
                        "INSERT INTO emergency_history (function, change, reason, at, audit_seq) VALUES ($1, 'stop', $2, $3, $4)",
                        &[&function.as_str(), &reason, &now, &seq],
                    )?;
                }
                !held
            }
            None => {
                allowed.check(Action::EmergencyResume)?;
                tx.execute(
                    "DELETE FROM emergency_stops WHERE function = $1",
                    &[&function.as_str()],
                )?;
                let detail = serde_json::json!({ "function": function, "was_stopped": held });
                let seq = audit::append(
                    &mut tx,
                    keys,
                    &event(allowed, None, detail),
                    actor.as_deref(),
                    None,
                )?;
                if held {
                    tx.execute(
                        "INSERT INTO emergency_history (function, change, at, audit_seq) VALUES ($1, 'resume', $2, $3)",
                        &[&function.as_str(), &now, &seq],
                    )?;
                }
                held
            }
        };
        tx.commit()?;
        Ok(changed)
    }
}
