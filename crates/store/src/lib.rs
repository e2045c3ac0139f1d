//! vrs-store: SQLite storage for vrs — the only crate that knows SQL.
//!
//! A data directory holds `vrs.sqlite` (WAL, foreign keys, `synchronous=FULL`,
//! schema migrations applied on open) and `keyring.json` (mode 0600). Every row
//! of personal data carries its municipality code, and the personal-data API
//! takes an [`vrs_consent::Allowed`] proof and scopes its queries to the one
//! partition the proof names (T1-4-3, S-1-3-2). My Numbers are stored only
//! sealed (AES-256-GCM) and as an HMAC-SHA256 blind index. Every use case
//! writes its audit event in the same transaction as its effect (S-3-3).

mod audit;
mod backup;
mod barcode_signer;
mod consents;
mod doses;
mod inquiry;
mod issuance;
mod keyring;
mod keys;
mod migrations;
mod residents;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use vrs_consent::Refusal;
use vrs_domain::MyNumber;

pub use audit::{AuditEvent, AuditReport, StoredEvent};
pub use backup::{verify_backup_with, BackupReport, BackupVerification};
pub use barcode_signer::BarcodeSignerRecord;
pub use consents::{ConsentChange, ConsentRecord, StopRecord};
pub use doses::{
    Authorize, Correction, DoseImportOutcome, DoseVersion, Registered, Rejection, ReviewItem,
    StatKey, StatRow, StatScope,
};
pub use inquiry::{InquiryAnswer, InquiryDose};
pub use issuance::{IssuableDose, IssuanceRecord};
pub use keyring::{Keyring, SEALED_LEN};
pub use keys::{PublicKeyRecord, RevocationRecord};
pub use residents::{ImportOutcome, Lookup};

/// File name of the database inside a data directory.
pub const DB_FILE: &str = "vrs.sqlite";
/// File name of the keyring inside a data directory.
pub const KEYRING_FILE: &str = "keyring.json";
/// Default base URL of certificate issuers (`iss` = base URL + `/` + municipality code).
pub const DEFAULT_ISSUER_BASE_URL: &str = "https://vrs.example.jp/issuer";

/// What can go wrong in the store. Messages never contain a My Number.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The data directory has no database or keyring yet.
    #[error("{dir} is not initialised: run `vrs init` first")]
    NotInitialised {
        /// The data directory.
        dir: PathBuf,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The keyring is missing, unreadable or unsafe.
    #[error("keyring: {reason}")]
    Keyring {
        /// What is wrong.
        reason: String,
    },
    /// Stored data fails a check (tampering, wrong key, or a newer schema).
    #[error("corrupt data: {what}")]
    Corrupt {
        /// What failed.
        what: String,
    },
    /// A store method was called with a proof for a different action.
    #[error("permission proof is for {got}, not {expected}")]
    WrongProof {
        /// The action the method performs.
        expected: &'static str,
        /// The action the proof allows.
        got: &'static str,
    },
    /// SQLite reported an error.
    #[error("database: {source}")]
    Sqlite {
        /// The SQLite error.
        #[from]
        source: rusqlite::Error,
    },
}

impl StoreError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    fn json(e: serde_json::Error) -> Self {
        Self::Corrupt {
            what: format!("json: {e}"),
        }
    }
}

/// An open vrs database with its keyring.
pub struct Store {
    conn: Connection,
    keys: Keyring,
    path: PathBuf,
    applied: Vec<i64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What `init` found and did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Whether a new keyring was created (false: an existing one was kept).
    pub created_keyring: bool,
    /// Migrations applied now.
    pub applied_migrations: Vec<i64>,
    /// The schema version after init.
    pub schema_version: i64,
    /// The issuer base URL in force.
    pub issuer_base_url: String,
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache (default 2 MiB): bulk imports insert into three
    // unique indexes in random order, and a small cache spills to the WAL and
    // reads the pages back for every row.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

impl Store {
    /// Creates (or completes) a data directory: the keyring if absent, the database
    /// and its migrations, and the issuer base URL when given (or the default on
    /// first init). Running it again is safe and keeps the keys.
    pub fn init(
        dir: &Path,
        issuer_base_url: Option<&str>,
        now: &str,
    ) -> Result<InitReport, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let key_path = dir.join(KEYRING_FILE);
        let created_keyring = !key_path.exists();
        let keys = if created_keyring {
            Keyring::create(&key_path)?
        } else {
            Keyring::load(&key_path)?
        };
        let store = Self::open_with_keyring(&dir.join(DB_FILE), keys, now)?;
        let current = store.setting("issuer_base_url")?;
        let url = match (issuer_base_url, current) {
            (Some(u), _) => u.to_owned(),
            (None, Some(c)) => c,
            (None, None) => DEFAULT_ISSUER_BASE_URL.to_owned(),
        };
        store.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('issuer_base_url', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [&url],
        )?;
        Ok(InitReport {
            data_dir: dir.to_owned(),
            created_keyring,
            applied_migrations: store.applied.clone(),
            schema_version: migrations::latest(),
            issuer_base_url: url,
        })
    }

    /// Opens an initialised data directory, applying any pending migrations.
    pub fn open(dir: &Path, now: &str) -> Result<Self, StoreError> {
        let key_path = dir.join(KEYRING_FILE);
        let db_path = dir.join(DB_FILE);
        if !key_path.exists() || !db_path.exists() {
            return Err(StoreError::NotInitialised {
                dir: dir.to_owned(),
            });
        }
        Self::open_with_keyring(&db_path, Keyring::load(&key_path)?, now)
    }

    /// Opens (creating if needed) a database file with an integrator's own keyring.
    pub fn open_with_keyring(db_path: &Path, keys: Keyring, now: &str) -> Result<Self, StoreError> {
        let mut conn = Connection::open(db_path)?;
        configure(&conn)?;
        let applied = migrations::apply(&mut conn, now)?;
        Ok(Store {
            conn,
            keys,
            path: db_path.to_owned(),
            applied,
        })
    }

    /// The migrations that opening this store applied (empty when it was current).
    pub fn applied_migrations(&self) -> &[i64] {
        &self.applied
    }

    /// The keyring, for sealing values the caller must compare (e.g. blind indexes).
    pub fn keyring(&self) -> &Keyring {
        &self.keys
    }

    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a refused request in the audit log (the refusal itself is the
    /// caller's answer). `subject` is the person asked about, if any: only its
    /// blind index is written.
    pub fn audit_refusal(
        &mut self,
        refusal: &Refusal,
        subject: Option<&MyNumber>,
    ) -> Result<i64, StoreError> {
        let grounds: Vec<&str> = refusal
            .grounds
            .iter()
            .map(|g| g.provision.as_str())
            .collect();
        let reasons: Vec<&str> = refusal.grounds.iter().map(|g| g.reason.as_str()).collect();
        let event = AuditEvent {
            at: refusal.as_of.to_rfc3339(),
            principal: refusal.request.principal.to_string(),
            action: refusal.request.action.as_str(),
            municipality: refusal.request.partition.map(|m| m.as_u32()),
            subject: subject.map(|n| self.keys.blind_index(n)),
            outcome: "refused",
            grounds,
            detail: serde_json::json!({ "reasons": reasons }),
        };
        let tx = self.conn.transaction()?;
        let seq = audit::append(&tx, &self.keys, &event)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Appends a non-personal operational event (init, backup, ...).
    pub fn audit_operation(&mut self, event: &AuditEvent<'_>) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let seq = audit::append(&tx, &self.keys, event)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Verifies the whole audit chain and its head.
    pub fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        audit::verify(&self.conn, &self.keys)
    }

    /// Reads the newest `limit` events matching the filters, oldest first.
    pub fn audit_search(
        &self,
        municipality: Option<vrs_domain::MunicipalityCode>,
        action: Option<&str>,
        principal: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        audit::search(
            &self.conn,
            municipality.map(|m| m.as_u32()),
            action,
            principal,
            limit,
        )
    }
}

/// Opens a database file read-only (for verifying backups).
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
}
