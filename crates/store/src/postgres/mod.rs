//! The PostgreSQL backend: a data directory whose `database.url` names a server.
//!
//! The data directory keeps the keyring (so the database never sees a key or
//! a plaintext My Number) and `database.url`, the URL without its password
//! (see [`url`]). On open the store connects with the driver `postgres`
//! (rust-postgres, synchronous: the store's API is synchronous and runs on the
//! facade's writer thread, so an async driver would only add a runtime),
//! applies the schema migrations as the login role (the schema's owner), then
//! `SET ROLE vrs_app`: a role with no ownership, no `BYPASSRLS` and only the
//! grants the use cases need, so row-level security binds every statement.
//! Every transaction first sets its area with `set_config(..., true)`:
//! `app.municipality` for a municipality's use case, `app.scope = national`
//! for the operator's and national ones (statistics, two-trail refusals).
//!
//! Group commit: on PostgreSQL each use case commits its own transaction
//! (`begin_group`/`end_group` are no-ops), so a failed request still rolls back
//! alone; writes of different municipalities never wait on one another beyond
//! their own audit chain's advisory lock.

mod accounts;
mod area_statistics;
pub(crate) mod audit;
mod audit_heads;
mod challenges;
pub(crate) mod consents;
mod dose_changes;
mod dose_import;
mod doses;
pub(crate) mod erasure;
mod export;
mod first_load;
mod inquiry;
mod issuance;
mod keys;
mod open;
mod resident_copy;
pub(crate) mod residents;
mod sessions;
mod statistics;
pub mod url;

use std::path::Path;

use postgres::types::Type;
use postgres::{Client, NoTls, Transaction};
use vrs_domain::MunicipalityCode;

use crate::{Keyring, StoreError};
pub(crate) use dose_changes::Change;
pub(crate) use open::read_database_url;
pub(crate) use url::DatabaseUrl;

/// The file in a data directory naming its PostgreSQL database (no password).
pub const DATABASE_URL_FILE: &str = "database.url";

/// The role the application runs as (row-level security binds it).
pub const APP_ROLE: &str = "vrs_app";

/// The schema versions, in order; a released one is never edited.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "residents, consents, emergency stops, audit chains; partitions, row-level security",
        include_str!("schema.sql"),
    ),
    (
        2,
        "doses, dose history, lots, dose counts, issuance history, population; resident search",
        include_str!("schema_records.sql"),
    ),
    (
        3,
        "users, sessions, devices, enrolment codes, app challenges; erasure; issuer keys, revocations",
        include_str!("schema_accounts.sql"),
    ),
    (
        4,
        "vrs_audit_head: a chain's lock, head and next sequence number in one call",
        include_str!("audit_head.sql"),
    ),
    (
        5,
        "dose counts rolled up without the date and without the age band, kept by triggers",
        include_str!("dose_rollups.sql"),
    ),
    (
        6,
        "vrs_residents_first_load: an empty partition's first load builds its indexes after it",
        include_str!("first_load.sql"),
    ),
    (
        8,
        "a count of the app's challenges kept, by triggers",
        include_str!("challenge_count.sql"),
    ),
    (
        9,
        "the first load of a partition that never held a row by COPY straight into it",
        include_str!("first_load_copy.sql"),
    ),
    (
        10,
        "no statistics on the municipality column; vrs_know_area refreshes those analysed before",
        include_str!("area_statistics.sql"),
    ),
];

/// The tables the application role may use, with its privileges on each.
/// Partitions get no grant: every access goes through the parent's policies.
const GRANTS: &[(&str, &str)] = &[
    ("settings", "SELECT, INSERT, UPDATE"),
    ("residents", "SELECT, INSERT, UPDATE"),
    ("resident_history", "SELECT, INSERT"),
    ("consents", "SELECT, INSERT, UPDATE, DELETE"),
    ("consent_history", "SELECT, INSERT"),
    ("emergency_stops", "SELECT, INSERT, UPDATE, DELETE"),
    ("emergency_history", "SELECT, INSERT"),
    ("audit_log", "SELECT, INSERT"),
    ("audit_heads", "SELECT, INSERT, UPDATE"),
    // Records (version 2): doses are changed, never deleted; histories append.
    ("doses", "SELECT, INSERT, UPDATE"),
    ("dose_history", "SELECT, INSERT"),
    ("lots", "SELECT, INSERT"),
    ("dose_counts", "SELECT, INSERT, UPDATE"),
    ("issuances", "SELECT, INSERT, UPDATE"),
    ("issuance_doses", "SELECT, INSERT"),
    ("population", "SELECT, INSERT, DELETE"),
    // Accounts (migration 3).
    ("user_logins", "SELECT, INSERT"),
    ("users", "SELECT, INSERT, UPDATE"),
    ("sessions", "SELECT, INSERT, UPDATE"),
    ("devices", "SELECT, INSERT, UPDATE"),
    ("enrolments", "SELECT, INSERT, UPDATE"),
    ("app_challenges", "SELECT, INSERT, UPDATE, DELETE"),
    ("erasures", "SELECT, INSERT, UPDATE"),
    // Erasure (M-13) deletes a municipality's personal-data rows.
    ("residents", "DELETE"),
    ("resident_history", "DELETE"),
    ("users", "DELETE"),
    ("user_logins", "DELETE"),
    ("sessions", "DELETE"),
    ("devices", "DELETE"),
    ("enrolments", "DELETE"),
    // Issuer keys, revocation secrets and lists; the barcode signer's settings.
    ("issuer_keys", "SELECT, INSERT, UPDATE"),
    ("revocation_secrets", "SELECT, INSERT, DELETE"),
    ("revocations", "SELECT, INSERT, UPDATE"),
    ("settings", "DELETE"),
    // The rollups of dose_counts (migration 5), written by its triggers as the caller.
    ("dose_counts_by_band", "SELECT, INSERT, UPDATE"),
    ("dose_counts_by_date", "SELECT, INSERT, UPDATE"),
    // The count of the app's challenges (migration 8), written by its triggers.
    ("app_challenge_count", "SELECT, UPDATE"),
];

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // The code and message only: a DETAIL may quote a row's values.
        let reason = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            },
        };
        StoreError::Postgres { reason }
    }
}

/// Whose rows a transaction may touch (row-level security).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope {
    /// One municipality's area.
    Area(MunicipalityCode),
    /// An operator or national path: every area.
    National,
}

/// An open PostgreSQL database.
pub(crate) struct Pg {
    client: std::cell::RefCell<Client>,
    /// Who acts beside the principal (the SQLite backend's temp table).
    pub(crate) actor: Option<String>,
}

impl Pg {
    /// Connects, creates the schema and applies pending migrations (as the
    /// login role), then becomes the application role. Returns the versions
    /// applied now.
    pub(crate) fn connect(
        url: &DatabaseUrl,
        now: Option<&str>,
    ) -> Result<(Self, Vec<i64>), StoreError> {
        let mut client = url.config()?.connect(NoTls)?;
        let schema = &url.schema; // checked: lower-case letters, digits, _
        let applied = match now {
            Some(now) => migrate(&mut client, schema, now)?,
            None => {
                let current: Option<i64> = client
                    .query_one(
                        &format!("SELECT max(version) FROM {schema}.schema_migrations"),
                        &[],
                    )?
                    .get(0);
                if current != Some(latest()) {
                    return Err(StoreError::Corrupt {
                        what: format!(
                            "schema version {current:?}, this vrs reads {}: open it read-write first",
                            latest()
                        ),
                    });
                }
                // A reader: any write through it fails instead of happening.
                client.batch_execute("SET default_transaction_read_only = on")?;
                Vec::new()
            }
        };
        client.batch_execute(&format!("SET search_path = {schema}; SET ROLE {APP_ROLE}"))?;
        Ok((
            Self {
                client: std::cell::RefCell::new(client),
                actor: None,
            },
            applied,
        ))
    }

    /// Sets (or clears) who acts beside the principal.
    pub(crate) fn set_actor(&mut self, actor: Option<&str>) {
        self.actor = actor.map(str::to_owned);
    }
}

/// A transaction bound to `scope` (row-level security reads it).
pub(crate) fn begin(client: &mut Client, scope: Scope) -> Result<Transaction<'_>, StoreError> {
    {
        let mut tx = client.transaction()?;
        let (area, national) = match scope {
            Scope::Area(m) => (m.as_u32().to_string(), ""),
            Scope::National => (String::new(), "national"),
        };
        // Typed: one round trip (no separate prepare).
        tx.execute_typed(
            "SELECT set_config('app.municipality', $1, true), set_config('app.scope', $2, true)",
            &[(&area, Type::TEXT), (&national, Type::TEXT)],
        )?;
        Ok(tx)
    }
}

impl Pg {
    /// A setting's value.
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Sets a setting in its own transaction.
    pub(crate) fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client.borrow_mut().execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    /// Whether the database has been used (a keyring bound or audit events).
    pub(crate) fn in_use(&self) -> Result<bool, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = begin(&mut client, Scope::National)?;
        let bound = tx
            .query_opt(
                "SELECT 1 FROM settings WHERE key = $1",
                &[&crate::FINGERPRINT],
            )?
            .is_some();
        let events = tx
            .query_opt("SELECT 1 FROM audit_log LIMIT 1", &[])?
            .is_some();
        tx.commit()?;
        Ok(bound || events)
    }

    /// Binds the keyring on first use and refuses any other one afterwards.
    pub(crate) fn bind_keyring(&self, keys: &Keyring, dir: &Path) -> Result<(), StoreError> {
        // A reader (read-only) finds it bound and writes nothing.
        if self.setting(crate::FINGERPRINT)?.is_none() {
            self.client.borrow_mut().execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&crate::FINGERPRINT, &keys.fingerprint()],
            )?;
        }
        let recorded = self.setting(crate::FINGERPRINT)?.unwrap_or_default();
        if recorded == keys.fingerprint() {
            Ok(())
        } else {
            Err(StoreError::KeyringMismatch {
                dir: dir.to_owned(),
                recorded,
                found: keys.fingerprint().to_owned(),
            })
        }
    }
}

/// Creates the schema and the application role when missing, and applies the
/// pending migrations under an advisory lock (parallel opens wait their turn).
fn migrate(client: &mut Client, schema: &str, now: &str) -> Result<Vec<i64>, StoreError> {
    // A role is global to the cluster: create it once, whoever comes first.
    client.batch_execute(&format!(
        "DO $$ BEGIN
             CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$;"
    ))?;
    let member: bool = client
        .query_one(
            "SELECT pg_has_role(current_user, $1, 'MEMBER')",
            &[&APP_ROLE],
        )?
        .get(0);
    if !member {
        client.batch_execute(&format!("GRANT {APP_ROLE} TO CURRENT_USER"))?;
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&schema])?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         SET LOCAL search_path = {schema};
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    bigint PRIMARY KEY,
             name       text   NOT NULL,
             applied_at text   NOT NULL
         );"
    ))?;
    let done: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let newest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if let Some(v) = done.iter().find(|v| **v > newest) {
        return Err(StoreError::Corrupt {
            what: format!("the database has schema version {v}, newer than this vrs ({newest})"),
        });
    }
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        if done.contains(version) {
            continue;
        }
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[version, name, &now],
        )?;
        applied.push(*version);
    }
    let mut grants = format!("GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE};");
    for (table, privileges) in GRANTS {
        grants.push_str(&format!("GRANT {privileges} ON {table} TO {APP_ROLE};"));
    }
    grants.push_str(&format!(
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE};
         GRANT SELECT ON schema_migrations TO {APP_ROLE};"
    ));
    tx.batch_execute(&grants)?;
    tx.commit()?;
    Ok(applied)
}

/// The newest schema version of this backend.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}
