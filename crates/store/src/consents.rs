//! Consents (N-2, T1-2-3) and emergency stops (T1-10): operational state the
//! rules read as facts, each change audited in the same transaction.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use vrs_consent::{Action, Allowed, DocumentId, Facts, Function};
use vrs_domain::MunicipalityCode;

use crate::audit;
use crate::facts_cache::Consents;
use crate::residents::event;
use crate::{Db, Store, StoreError};

/// A consent in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRecord {
    /// The consenting municipality.
    pub municipality: MunicipalityCode,
    /// The document.
    pub document: DocumentId,
    /// The day from which it holds.
    pub effective_from: NaiveDate,
    /// Who approved it internally (決裁, T1-2-3), if recorded.
    pub approved_by: Option<String>,
    /// When it was recorded in VRS.
    pub recorded_at: String,
}

/// One change of a municipality's consent, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentChange {
    /// `grant` or `revoke`.
    pub change: String,
    /// The document's ID.
    pub document: String,
    /// For a grant: the day from which it holds.
    pub effective_from: Option<String>,
    /// For a grant: the internal approval.
    pub approved_by: Option<String>,
    /// When the change was recorded.
    pub recorded_at: String,
}

/// A function under an emergency stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopRecord {
    /// The function.
    pub function: Function,
    /// Why.
    pub reason: String,
    /// Since when.
    pub stopped_at: String,
}

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into() }
}

impl Store {
    /// The facts the rules need about `municipalities`: their consents in force
    /// and the functions under an emergency stop. On SQLite they come from the
    /// connection's facts cache, read again only when they may have changed
    /// (see `facts_cache`); on PostgreSQL they are read every time.
    pub fn facts(&self, municipalities: &[MunicipalityCode]) -> Result<Facts, StoreError> {
        let Db::Sqlite(conn) = &self.db else {
            return self.read_facts(municipalities);
        };
        let mut cached = conn.facts().current(conn)?;
        let mut facts = Facts::default();
        for m in municipalities {
            let docs = match cached.consents.get(m) {
                Some(docs) => docs.clone(),
                None => {
                    let docs = self.consent_documents(*m)?;
                    cached.consents.insert(*m, docs.clone());
                    docs
                }
            };
            facts.consents.insert(*m, docs);
        }
        facts.stopped = match &cached.stopped {
            Some(stopped) => stopped.clone(),
            None => {
                let stopped = self.stopped_set()?;
                cached.stopped = Some(stopped.clone());
                stopped
            }
        };
        facts.barcode_signer = match cached.barcode_signer {
            Some(b) => b,
            None => {
                let b = self.has_barcode_signer()?;
                cached.barcode_signer = Some(b);
                b
            }
        };
        Ok(facts)
    }

    /// [`Store::facts`] read from the database.
    fn read_facts(&self, municipalities: &[MunicipalityCode]) -> Result<Facts, StoreError> {
        let mut facts = Facts::default();
        for m in municipalities {
            facts.consents.insert(*m, self.consent_documents(*m)?);
        }
        facts.stopped = self.stopped_set()?;
        facts.barcode_signer = self.has_barcode_signer()?;
        Ok(facts)
    }

    fn consent_documents(&self, m: MunicipalityCode) -> Result<Consents, StoreError> {
        Ok(self
            .consents_of(m)?
            .into_iter()
            .map(|c| (c.document, c.effective_from))
            .collect())
    }

    fn stopped_set(&self) -> Result<BTreeSet<Function>, StoreError> {
        Ok(self
            .stopped_functions()?
            .into_iter()
            .map(|s| s.function)
            .collect())
    }

    /// The consents of one municipality in force (not personal data).
    pub fn consents_of(&self, m: MunicipalityCode) -> Result<Vec<ConsentRecord>, StoreError> {
        self.consents_where(Some(m))
    }

    /// Every consent in force, of every municipality.
    pub fn all_consents(&self) -> Result<Vec<ConsentRecord>, StoreError> {
        self.consents_where(None)
    }

    fn consents_where(
        &self,
        m: Option<MunicipalityCode>,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut stmt = backend!(self, pg => pg.consents_where(m)).prepare_cached(
            "SELECT municipality, document, effective_from, approved_by, recorded_at FROM consents
             WHERE ?1 IS NULL OR municipality = ?1 ORDER BY municipality, document",
        )?;
        let rows = stmt.query_map([m.map(|m| m.as_u32())], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (m, doc, from, approved_by, recorded_at) = row?;
            out.push(ConsentRecord {
                municipality: MunicipalityCode::from_u32(m).map_err(|e| corrupt(e.to_string()))?,
                document: doc.parse().map_err(corrupt)?,
                effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                    .map_err(|e| corrupt(format!("consents.effective_from: {e}")))?,
                approved_by,
                recorded_at,
            });
        }
        Ok(out)
    }

    /// Records the municipality's own consent to `document` (the proof's partition).
    pub fn grant_consent(
        &mut self,
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
        let tx = backend!(mut self, pg => pg.grant_consent(
            &self.keys, allowed, document, effective_from, approved_by,
        ))
        .transaction()?;
        let detail = serde_json::json!({
            "document": document,
            "effective_from": from,
            "approved_by": approved_by,
        });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute(
            "INSERT INTO consents (municipality, document, effective_from, approved_by, recorded_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (municipality, document) DO UPDATE SET effective_from = excluded.effective_from,
                 approved_by = excluded.approved_by, recorded_at = excluded.recorded_at, audit_seq = excluded.audit_seq",
            params![m.as_u32(), document.as_str(), from, approved_by, now, seq],
        )?;
        tx.execute(
            "INSERT INTO consent_history (municipality, document, change, effective_from, approved_by, recorded_at, audit_seq)
             VALUES (?1, ?2, 'grant', ?3, ?4, ?5, ?6)",
            params![m.as_u32(), document.as_str(), from, approved_by, now, seq],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// Withdraws the municipality's own consent to `document`, at once.
    /// Returns whether a consent was in force.
    pub fn revoke_consent(
        &mut self,
        allowed: &Allowed,
        document: DocumentId,
    ) -> Result<bool, StoreError> {
        allowed.check(Action::RevokeConsent)?;
        let m = allowed.partition().ok_or(StoreError::WrongProof {
            expected: "a partition",
            got: "none",
        })?;
        let now = allowed.as_of().to_rfc3339();
        let tx = backend!(mut self, pg => pg.revoke_consent(&self.keys, allowed, document))
            .transaction()?;
        let existed = tx.execute(
            "DELETE FROM consents WHERE municipality = ?1 AND document = ?2",
            params![m.as_u32(), document.as_str()],
        )? == 1;
        let detail = serde_json::json!({ "document": document, "was_in_force": existed });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute(
            "INSERT INTO consent_history (municipality, document, change, recorded_at, audit_seq)
             VALUES (?1, ?2, 'revoke', ?3, ?4)",
            params![m.as_u32(), document.as_str(), now, seq],
        )?;
        tx.commit()?;
        Ok(existed)
    }

    /// Every consent change of one municipality, oldest first.
    pub fn consent_history(&self, m: MunicipalityCode) -> Result<Vec<ConsentChange>, StoreError> {
        let mut stmt = backend!(self, pg => pg.consent_history(m)).prepare(
            "SELECT change, document, effective_from, approved_by, recorded_at FROM consent_history
             WHERE municipality = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([m.as_u32()], |r| {
            Ok(ConsentChange {
                change: r.get(0)?,
                document: r.get(1)?,
                effective_from: r.get(2)?,
                approved_by: r.get(3)?,
                recorded_at: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(StoreError::from)
    }

    /// The functions under an emergency stop.
    pub fn stopped_functions(&self) -> Result<Vec<StopRecord>, StoreError> {
        let mut stmt = backend!(self, pg => pg.stopped_functions()).prepare_cached(
            "SELECT function, reason, stopped_at FROM emergency_stops ORDER BY function",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (f, reason, stopped_at) = row?;
            out.push(StopRecord {
                function: f.parse().map_err(corrupt)?,
                reason,
                stopped_at,
            });
        }
        Ok(out)
    }

    /// Stops a function (T1-10). Returns false when it was already stopped.
    pub fn emergency_stop(
        &mut self,
        allowed: &Allowed,
        function: Function,
        reason: &str,
    ) -> Result<bool, StoreError> {
        allowed.check(Action::EmergencyStop)?;
        let now = allowed.as_of().to_rfc3339();
        let tx =
            backend!(mut self, pg => pg.emergency(&self.keys, allowed, function, Some(reason)))
                .transaction()?;
        let already: Option<String> = tx
            .query_row(
                "SELECT reason FROM emergency_stops WHERE function = ?1",
                [function.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let detail = serde_json::json!({ "function": function, "reason": reason, "already_stopped": already.is_some() });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        if already.is_none() {
            tx.execute(
                "INSERT INTO emergency_stops (function, reason, stopped_at, audit_seq) VALUES (?1, ?2, ?3, ?4)",
                params![function.as_str(), reason, now, seq],
            )?;
            tx.execute(
                "INSERT INTO emergency_history (function, change, reason, at, audit_seq) VALUES (?1, 'stop', ?2, ?3, ?4)",
                params![function.as_str(), reason, now, seq],
            )?;
        }
        tx.commit()?;
        Ok(already.is_none())
    }

    /// Resumes a stopped function. Returns false when it was not stopped.
    pub fn emergency_resume(
        &mut self,
        allowed: &Allowed,
        function: Function,
    ) -> Result<bool, StoreError> {
        allowed.check(Action::EmergencyResume)?;
        let now = allowed.as_of().to_rfc3339();
        let tx = backend!(mut self, pg => pg.emergency(&self.keys, allowed, function, None))
            .transaction()?;
        let was = tx.execute(
            "DELETE FROM emergency_stops WHERE function = ?1",
            [function.as_str()],
        )? == 1;
        let detail = serde_json::json!({ "function": function, "was_stopped": was });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        if was {
            tx.execute(
                "INSERT INTO emergency_history (function, change, at, audit_seq) VALUES (?1, 'resume', ?2, ?3)",
                params![function.as_str(), now, seq],
            )?;
        }
        tx.commit()?;
        Ok(was)
    }
}
