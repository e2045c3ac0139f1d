//! M-13, end of contract: erasing one municipality's data. Its data key is
//! destroyed (so no earlier copy of the database can be read for it with this
//! keyring) and its personal-data rows are deleted, in one transaction with its
//! audit event; the audit trail, which holds no personal data in plain text, stays.
//! Its users, sessions, devices and enrolment codes are deleted with it.

use rusqlite::params;
use serde::Serialize;
use vrs_consent::{Action, Allowed};

use crate::residents::event;
use crate::{audit, Store, StoreError};

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    /// The municipality erased (six digits).
    pub municipality: String,
    /// Whether the keyring held a data key for it, now destroyed.
    pub key_destroyed: bool,
    /// Residents deleted (with their earlier versions).
    pub residents: u64,
    /// Doses deleted (with every earlier version).
    pub doses: u64,
    /// Certificates of its issuance history deleted.
    pub issuances: u64,
    /// Signing keys retired (their private keys destroyed; public keys stay published).
    pub issuer_keys_retired: u64,
    /// Audit events of its chain kept (they hold no personal data in plain text).
    pub audit_events_kept: u64,
    /// The sequence number of the erasure's own audit event.
    pub audit_seq: i64,
}

impl Store {
    /// M-13: erases the proof's municipality. The data key goes first (the keyring
    /// file is rewritten without it); if the database then fails, nothing sealed
    /// for it can be read any more and running the erasure again deletes the rows.
    /// Deleted pages are overwritten (`secure_delete`) and the WAL truncated.
    pub fn erase_municipality(
        &mut self,
        allowed: &Allowed,
        at: &str,
    ) -> Result<ErasureReport, StoreError> {
        let m = allowed.partition_for(Action::EraseMunicipality)?;
        let code = m.as_u32();
        if let crate::Db::Postgres(pg) = &self.db {
            return pg.erase_municipality(&self.keys, allowed, m, at);
        }
        sqlite!(mut self, "erase_municipality").pragma_update(None, "secure_delete", "ON")?;
        let tx = sqlite!(mut self, "erase_municipality").transaction()?;
        let count = |sql: &str| -> Result<u64, StoreError> {
            Ok(tx.query_row(sql, [code], |r| r.get::<_, i64>(0))? as u64)
        };
        let residents = count("SELECT count(*) FROM residents WHERE municipality = ?1")?;
        let doses = count("SELECT count(*) FROM doses WHERE municipality = ?1")?;
        let issuances = count("SELECT count(*) FROM issuances WHERE municipality = ?1")?;
        let keys_active = count(
            "SELECT count(*) FROM issuer_keys WHERE municipality = ?1 AND retired_at IS NULL",
        )?;
        let detail = serde_json::json!({
            "residents": residents, "doses": doses, "issuances": issuances,
            "issuer_keys_retired": keys_active,
        });
        let seq = audit::append(&tx, &self.keys, &event(allowed, None, detail))?;
        tx.execute(
            "INSERT INTO erasures (municipality, state, at, audit_seq) VALUES (?1, 'erasing', ?2, ?3)
             ON CONFLICT (municipality) DO UPDATE SET state = 'erasing', at = excluded.at,
                 audit_seq = excluded.audit_seq",
            params![code, at, seq],
        )?;
        for sql in [
            "DELETE FROM issuance_doses WHERE certificate_id IN
                 (SELECT certificate_id FROM issuances WHERE municipality = ?1)",
            "DELETE FROM issuance_doses WHERE dose_id IN (SELECT id FROM doses WHERE municipality = ?1)",
            "DELETE FROM issuances WHERE municipality = ?1",
            "DELETE FROM dose_history WHERE municipality = ?1",
            "DELETE FROM dose_history WHERE dose_id IN (SELECT id FROM doses WHERE municipality = ?1)",
            "DELETE FROM doses WHERE municipality = ?1",
            "DELETE FROM resident_history WHERE municipality = ?1",
            "DELETE FROM residents WHERE municipality = ?1",
            "DELETE FROM revocation_secrets WHERE municipality = ?1",
            // Its staff accounts and site devices go with it (T1-9-1: it managed them).
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE municipality = ?1)",
            "DELETE FROM sessions WHERE municipality = ?1",
            "DELETE FROM users WHERE municipality = ?1",
            "DELETE FROM devices WHERE municipality = ?1",
            "DELETE FROM enrolments WHERE municipality = ?1",
        ] {
            tx.execute(sql, [code])?;
        }
        tx.execute(
            "UPDATE issuer_keys SET sealed_private = NULL, retired_at = ?2
             WHERE municipality = ?1 AND retired_at IS NULL",
            params![code, at],
        )?;
        tx.execute(
            "UPDATE erasures SET state = 'erased' WHERE municipality = ?1",
            [code],
        )?;
        let kept = tx.query_row(
            "SELECT count(*) FROM audit_log WHERE municipality = ?1",
            [code],
            |r| r.get::<_, i64>(0),
        )? as u64;
        // The key goes before the commit: a database that failed to commit then
        // holds rows nobody can read, and a repeated erasure deletes them.
        let key_destroyed = self.keys.erase(m)?;
        tx.commit()?;
        sqlite!(mut self, "erase_municipality").pragma_update(None, "secure_delete", "OFF")?;
        sqlite!(mut self, "erase_municipality").query_row(
            "PRAGMA wal_checkpoint(TRUNCATE)",
            [],
            |_| Ok(()),
        )?;
        Ok(ErasureReport {
            municipality: m.to_string(),
            key_destroyed,
            residents,
            doses,
            issuances,
            issuer_keys_retired: keys_active,
            audit_events_kept: kept,
            audit_seq: seq,
        })
    }
}
