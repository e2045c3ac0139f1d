//! M-13 on PostgreSQL (as `crate::erasure`): one national transaction writes
//! the erasure's audit event, marks the municipality 'erasing' (the one state
//! in which the append-only guard admits deleting its history rows), deletes
//! its personal-data rows and its accounts, retires its signing keys, and
//! marks it 'erased'. The keyring drops its data key before the commit.
//!
//! Tables another part of the store adds (doses, issuances, issuer keys) are
//! handled when they exist, so the erasure covers whatever this schema holds.

use vrs_consent::Allowed;
use vrs_domain::MunicipalityCode;

use super::{audit, Pg, Scope};
use crate::residents::event;
use crate::{ErasureReport, Keyring, StoreError};

/// Deleted in this order (children before parents), each by municipality;
/// a table this database does not have is skipped.
const ERASED_TABLES: &[&str] = &[
    "issuance_doses",
    "issuances",
    "dose_history",
    "doses",
    "resident_history",
    "residents",
    "revocation_secrets",
    "sessions",
    "users",
    "user_logins",
    "devices",
    "enrolments",
];

impl Pg {
    /// Erases `m` (see the module docs); `keys` loses its data key.
    pub(crate) fn erase_municipality(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        m: MunicipalityCode,
        at: &str,
    ) -> Result<ErasureReport, StoreError> {
        let code = m.as_u32() as i32;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let exists =
            |tx: &mut postgres::Transaction<'_>, table: &str| -> Result<bool, StoreError> {
                Ok(tx
                    .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?
                    .get(0))
            };
        let count = |tx: &mut postgres::Transaction<'_>, table: &str, more: &str| {
            if !exists(tx, table)? {
                return Ok::<u64, StoreError>(0);
            }
            let n: i64 = tx
                .query_one(
                    &format!("SELECT count(*) FROM {table} WHERE municipality = $1{more}"),
                    &[&code],
                )?
                .get(0);
            Ok(n as u64)
        };
        let residents = count(&mut tx, "residents", "")?;
        let doses = count(&mut tx, "doses", "")?;
        let issuances = count(&mut tx, "issuances", "")?;
        let keys_active = count(&mut tx, "issuer_keys", " AND retired_at IS NULL")?;
        let detail = serde_json::json!({
            "residents": residents, "doses": doses, "issuances": issuances,
            "issuer_keys_retired": keys_active,
        });
        let seq = audit::append(
            &mut tx,
            keys,
            &event(allowed, None, detail),
            self.actor.as_deref(),
            None,
        )?;
        tx.execute(
            "INSERT INTO erasures (municipality, state, at, audit_seq) VALUES ($1, 'erasing', $2, $3)
             ON CONFLICT (municipality) DO UPDATE SET state = 'erasing', at = excluded.at,
                 audit_seq = excluded.audit_seq",
            &[&code, &at, &seq],
        )?;
        for table in ERASED_TABLES {
            if exists(&mut tx, table)? {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE municipality = $1"),
                    &[&code],
                )?;
            }
        }
        if exists(&mut tx, "issuer_keys")? {
            tx.execute(
                "UPDATE issuer_keys SET sealed_private = NULL, retired_at = $2
                 WHERE municipality = $1 AND retired_at IS NULL",
                &[&code, &at],
            )?;
        }
        tx.execute(
            "UPDATE erasures SET state = 'erased' WHERE municipality = $1",
            &[&code],
        )?;
        let kept: i64 = tx
            .query_one(
                "SELECT count(*) FROM audit_log WHERE municipality = $1",
                &[&code],
            )?
            .get(0);
        // The key goes before the commit: a database that failed to commit then
        // holds rows nobody can read, and a repeated erasure deletes them.
        let key_destroyed = keys.erase(m)?;
        tx.commit()?;
        Ok(ErasureReport {
            municipality: m.to_string(),
            key_destroyed,
            residents,
            doses,
            issuances,
            issuer_keys_retired: keys_active,
            audit_events_kept: kept as u64,
            audit_seq: seq,
        })
    }
}
