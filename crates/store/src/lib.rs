//! vrs-store: SQLite storage for vrs — the only crate that knows SQL.
//!
//! A data directory holds `vrs.sqlite` (WAL, foreign keys, `synchronous=FULL`,
//! schema migrations applied on open) and `keyring.json` (mode 0600). Every row
//! of personal data carries its municipality code, and the personal-data API
//! takes an [`vrs_consent::Allowed`] proof and scopes its queries to the one
//! partition the proof names (T1-4-3, S-1-3-2). My Numbers are stored only
//! sealed (AES-256-GCM) and as an HMAC-SHA256 blind index. Every use case
//! writes its audit event in the same transaction as its effect (S-3-3).
//!
//! Two backends sit behind the one [`Store`]: SQLite (the default, embedded)
//! and PostgreSQL (`postgres` module; a data directory whose `database.url`
//! names the server). A use case not yet implemented on a backend fails with
//! [`StoreError::Unsupported`] naming the operation and the backend.

/// The SQLite connection of a store, or an early return with
/// [`StoreError::Unsupported`] naming `$op` when the store is on another
/// backend. Borrows only the `db` field, so `self.keys` stays usable beside it.
macro_rules! sqlite {
    ($store:ident, $op:literal) => {
        match &$store.db {
            $crate::Db::Sqlite(c) => c,
            $crate::Db::Postgres(_) => {
                return Err($crate::StoreError::Unsupported {
                    operation: $op,
                    backend: "postgres",
                }
                .into())
            }
        }
    };
    (mut $store:ident, $op:literal) => {
        match &mut $store.db {
            $crate::Db::Sqlite(c) => c,
            $crate::Db::Postgres(_) => {
                return Err($crate::StoreError::Unsupported {
                    operation: $op,
                    backend: "postgres",
                }
                .into())
            }
        }
    };
}

/// The SQLite connection of a store, or, on PostgreSQL, an early return of
/// `$on_postgres` (the same use case run there, with `$pg` the backend). A use
/// case written for both backends reaches its connection through this rather
/// than [`sqlite!`]: it has no path that answers `Unsupported`.
macro_rules! backend {
    ($store:ident, $pg:ident => $on_postgres:expr) => {
        match &$store.db {
            $crate::Db::Sqlite(c) => c,
            $crate::Db::Postgres($pg) => return $on_postgres,
        }
    };
    (mut $store:ident, $pg:ident => $on_postgres:expr) => {
        match &mut $store.db {
            $crate::Db::Sqlite(c) => c,
            $crate::Db::Postgres($pg) => return $on_postgres,
        }
    };
}

mod accounts;
mod audit;
mod audit_heads;
mod backup;
mod barcode_signer;
mod challenges;
mod consents;
mod credentials;
mod doses;
mod erasure;
mod export;
mod facts_cache;
mod group;
mod inquiry;
mod issuance;
mod keyring;
mod keys;
mod migrations;
mod moves;
mod output;
pub mod postgres;
mod reader;
mod rekey;
mod sqlite;
use sqlite::open_read_only;
mod release;
mod residents;
mod sessions;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use vrs_consent::Refusal;
use vrs_domain::MyNumber;

pub use accounts::{
    user_area, AccountError, DeviceCreated, DeviceRecord, EnrolmentCode, NewUser, UserCreated,
    UserRecord, ENROLMENT_SECS, LOCKOUT_SECS, MAX_DEVICE_NAME_CHARS, MAX_FAILED_LOGINS,
    SESSION_ABSOLUTE_SECS, SESSION_IDLE_SECS,
};
pub use audit::{AuditEvent, AuditReport, Outcome, StoredEvent};
pub use audit_heads::{
    verify_heads, AuditPublicKey, HeadProblem, HeadsReport, SignedHead, SignedHeads, SignedLegacy,
    HEADS_FORMAT, MAX_HEADS_BYTES,
};
pub use backup::{verify_backup_with, BackupReport, BackupVerification};
pub use barcode_signer::BarcodeSignerRecord;
pub use consents::{ConsentChange, ConsentRecord, StopRecord};
pub use credentials::{
    totp_code, ARGON2_LANES, ARGON2_MEMORY_KIB, ARGON2_PASSES, MAX_PASSWORD_BYTES,
    MIN_PASSWORD_CHARS, TOTP_DIGITS, TOTP_SECRET_LEN, TOTP_STEP,
};
pub use doses::{
    Authorize, Correction, DoseImportOutcome, DoseVersion, Registered, Rejection, ReviewItem,
    StatKey, StatRow, StatScope,
};
pub use erasure::ErasureReport;
pub use export::{ExportCounts, Exported, EXPORTED_TABLES};
pub use inquiry::{Answering, InquiryAnswer, InquiryDose};
pub use issuance::{IssuableDose, IssuanceRecord};
pub use keyring::{Keyring, SEALED_LEN};
pub use keys::{PublicKeyRecord, RevocationRecord};
pub use moves::{Recorded, TicketDue};
pub use output::{create_private_dir, same_file, OutputError, OutputFile};
pub use postgres::url::is_postgres_url;
pub use residents::{ImportOutcome, Lookup};
pub use sessions::{Authenticated, LoginRequest, NewSession, SecurityEvent, SecurityEventKind};

impl From<vrs_consent::WrongProof> for StoreError {
    fn from(e: vrs_consent::WrongProof) -> Self {
        Self::WrongProof {
            expected: e.expected,
            got: e.got,
        }
    }
}

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
    /// The database exists but its keyring is missing.
    #[error(
        "{dir}: the database has no keyring ({file} is missing): restore the {file} made with \
         this database from its backup; `vrs init` will not create a new one for it"
    )]
    KeyringMissing {
        /// The data directory.
        dir: PathBuf,
        /// The keyring file name.
        file: &'static str,
    },
    /// The keyring is not the one the database was made with.
    #[error(
        "{dir}: the keyring does not belong to this database (fingerprint {found}, the \
         database records {recorded}): restore the keyring.json made with this database \
         from its backup"
    )]
    KeyringMismatch {
        /// The data directory (or database file).
        dir: PathBuf,
        /// The fingerprint recorded in the database.
        recorded: String,
        /// The fingerprint of the keyring given.
        found: String,
    },
    /// `vrs init` would change the issuer base URL of a live data directory.
    #[error(
        "the issuer base URL is {current:?}; changing it to {requested:?} changes every \
         issuer and invalidates every certificate issued (give --force to do it anyway)"
    )]
    IssuerBaseUrlChange {
        /// The URL in force.
        current: String,
        /// The URL asked for.
        requested: String,
    },
    /// `vrs restore` into a directory that is not empty.
    #[error("{dir}: not empty; restore only into a new or empty data directory")]
    NotEmpty {
        /// The data directory.
        dir: PathBuf,
    },
    /// A backup failed verification, so it is not restored.
    #[error("{path}: the backup does not verify ({why}); nothing was restored")]
    BadBackup {
        /// The backup file.
        path: PathBuf,
        /// What failed.
        why: String,
    },
    /// An output path is unusable or could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
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
    /// Bad input to account management (a taken login, a weak password, ...).
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The store's backend does not implement this use case yet.
    #[error("`{operation}` is not implemented on the {backend} backend yet")]
    Unsupported {
        /// The store operation asked for.
        operation: &'static str,
        /// The backend the data directory uses (`postgres`).
        backend: &'static str,
    },
    /// PostgreSQL reported an error, or the database URL is unusable.
    #[error("postgres: {reason}")]
    Postgres {
        /// What failed (never a password or a My Number).
        reason: String,
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

/// The database a store talks to.
pub(crate) enum Db {
    /// The embedded default.
    Sqlite(group::Conn),
    /// A PostgreSQL server.
    Postgres(Box<postgres::Pg>),
}

/// An open vrs database with its keyring.
pub struct Store {
    db: Db,
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

/// The settings key holding the keyring's fingerprint.
pub(crate) const FINGERPRINT: &str = "keyring_fingerprint";

/// Makes an existing file private (0600) if others could read it.
fn make_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                let mode = if meta.is_dir() { 0o700 } else { 0o600 };
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .map_err(|e| StoreError::io(path, e))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Store {
    /// Creates (or completes) a data directory: the keyring if absent, the database
    /// and its migrations, and the issuer base URL when given (or the default on
    /// first init). Running it again is safe and keeps the keys. It never creates a
    /// keyring for a database that has been used, and changing the issuer base URL
    /// of a live data directory needs `force`.
    pub fn init(
        dir: &Path,
        issuer_base_url: Option<&str>,
        force: bool,
        now: &str,
    ) -> Result<InitReport, StoreError> {
        create_private_dir(dir).map_err(|e| StoreError::io(dir, e))?;
        make_private(dir)?;
        let key_path = dir.join(KEYRING_FILE);
        let db_path = dir.join(DB_FILE);
        let mut created_keyring = false;
        let keys = if std::fs::symlink_metadata(&key_path).is_ok() {
            Keyring::load(&key_path)?
        } else if sqlite::database_in_use(&db_path)? {
            return Err(StoreError::KeyringMissing {
                dir: dir.to_owned(),
                file: KEYRING_FILE,
            });
        } else {
            match Keyring::create(&key_path) {
                Ok(k) => {
                    created_keyring = true;
                    k
                }
                // A parallel `vrs init` made it first: use theirs.
                Err(StoreError::Output(OutputError::Exists { .. })) => Keyring::load(&key_path)?,
                Err(e) => return Err(e),
            }
        };
        let mut store = Self::open_with_keyring(&db_path, keys, now)?;
        let tx = sqlite!(mut store, "init").transaction()?;
        let current: Option<String> = {
            use rusqlite::OptionalExtension;
            tx.query_row(
                "SELECT value FROM settings WHERE key = 'issuer_base_url'",
                [],
                |r| r.get(0),
            )
            .optional()?
        };
        let url = match (issuer_base_url, current) {
            (Some(u), Some(c)) if u != c && !force => {
                return Err(StoreError::IssuerBaseUrlChange {
                    current: c,
                    requested: u.to_owned(),
                })
            }
            (Some(u), _) => u.to_owned(),
            (None, Some(c)) => c,
            (None, None) => DEFAULT_ISSUER_BASE_URL.to_owned(),
        };
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('issuer_base_url', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [&url],
        )?;
        tx.commit()?;
        Ok(InitReport {
            data_dir: dir.to_owned(),
            created_keyring,
            applied_migrations: store.applied.clone(),
            schema_version: migrations::latest(),
            issuer_base_url: url,
        })
    }

    /// Opens an initialised data directory, applying any pending migrations. A
    /// database without its keyring, or with another keyring, is refused.
    pub fn open(dir: &Path, now: &str) -> Result<Self, StoreError> {
        if dir.join(postgres::DATABASE_URL_FILE).exists() {
            return Self::open_postgres(dir, Some(now));
        }
        let key_path = dir.join(KEYRING_FILE);
        let db_path = dir.join(DB_FILE);
        match (key_path.exists(), db_path.exists()) {
            (true, true) => {}
            (false, true) => {
                return Err(StoreError::KeyringMissing {
                    dir: dir.to_owned(),
                    file: KEYRING_FILE,
                })
            }
            _ => {
                return Err(StoreError::NotInitialised {
                    dir: dir.to_owned(),
                })
            }
        }
        make_private(dir)?;
        Self::open_with_keyring(&db_path, Keyring::load(&key_path)?, now).map_err(|e| match e {
            StoreError::KeyringMismatch {
                recorded, found, ..
            } => StoreError::KeyringMismatch {
                dir: dir.to_owned(),
                recorded,
                found,
            },
            other => other,
        })
    }

    /// Opens (creating if needed) a database file with an integrator's own keyring.
    /// The database records the keyring's fingerprint on first use and refuses any
    /// other keyring afterwards. New files are created 0600.
    pub fn open_with_keyring(db_path: &Path, keys: Keyring, now: &str) -> Result<Self, StoreError> {
        match output::create_new_private(db_path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io(db_path, e)),
        }
        for f in sqlite::db_files(db_path) {
            make_private(&f)?;
        }
        let mut conn = Connection::open(db_path)?;
        sqlite::configure(&mut conn)?;
        let applied = migrations::apply(&mut conn, now)?;
        sqlite::bind_keyring(&mut conn, &keys, db_path)?;
        audit::prepare_actor(&conn)?;
        rekey::migrate(&mut conn, &keys, now)?;
        Ok(Store {
            db: Db::Sqlite(group::Conn::new(conn)),
            keys,
            path: db_path.to_owned(),
            applied,
        })
    }

    /// Group commit: opens ONE writer transaction (`BEGIN IMMEDIATE`) in which
    /// every following use case's transaction is a savepoint, until
    /// [`Store::end_group`]. Nothing is durable before the group commits.
    pub fn begin_group(&mut self) -> Result<(), StoreError> {
        match &mut self.db {
            Db::Sqlite(c) => Ok(c.begin_group()?),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Ends the group: commits it (one fsync for every request in it) when
    /// `commit`, else rolls all of it back.
    pub fn end_group(&mut self, commit: bool) -> Result<(), StoreError> {
        match &mut self.db {
            Db::Sqlite(c) => Ok(c.end_group(commit)?),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Readiness probe: opens the data directory's database read-only (WAL, so
    /// it never waits for the writer) and reads the schema. An `Err` says why
    /// the store is unreachable.
    pub fn probe(dir: &Path) -> Result<(), StoreError> {
        if let Some(held) = postgres::read_database_url(&dir.join(postgres::DATABASE_URL_FILE))? {
            let url = postgres::DatabaseUrl::parse(&held)?;
            let mut client = url.config()?.connect(::postgres::NoTls)?;
            client.batch_execute(&format!("SET search_path = {}", url.schema))?;
            client.query_one("SELECT count(*) FROM settings", &[])?;
            return Ok(());
        }
        let db_path = dir.join(DB_FILE);
        if !db_path.exists() {
            return Err(StoreError::NotInitialised {
                dir: dir.to_owned(),
            });
        }
        let conn = Connection::open_with_flags(
            &db_path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.query_row("SELECT count(*) FROM settings", [], |r| r.get::<_, i64>(0))?;
        Ok(())
    }

    /// Whether the open group's transaction is still open (SQLite rolls a
    /// transaction back by itself on some errors, e.g. a full disk).
    pub fn group_alive(&self) -> bool {
        match &self.db {
            Db::Sqlite(c) => !c.is_autocommit(),
            // Each request commits on its own (see `postgres`): nothing to lose.
            Db::Postgres(_) => true,
        }
    }

    /// Inside a group, opens one request's savepoint (see [`Store::end_request`]).
    pub fn begin_request(&mut self) -> Result<(), StoreError> {
        match &mut self.db {
            Db::Sqlite(c) => Ok(c.begin_request()?),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Inside a group, closes one request's savepoint: kept, or rolled back
    /// alone (its failure does not touch the other requests of the group).
    pub fn end_request(&mut self, keep: bool) -> Result<(), StoreError> {
        match &mut self.db {
            Db::Sqlite(c) => Ok(c.end_request(keep)?),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// The SQLite connection (tests that look at rows directly).
    #[cfg(test)]
    pub(crate) fn sqlite_conn(&self) -> &Connection {
        match &self.db {
            Db::Sqlite(c) => c,
            Db::Postgres(_) => panic!("not a SQLite store"),
        }
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
        if let Db::Postgres(pg) = &self.db {
            return pg.setting(key);
        }
        use rusqlite::OptionalExtension;
        Ok(sqlite!(self, "setting")
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
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
        self.audit_refusal_with(refusal, subject, serde_json::Value::Null)
    }

    /// [`Store::audit_refusal`] with more detail (e.g. an inquiry's stated purpose).
    /// A refused inquiry is recorded in both trails: the holder's (asked of) and the
    /// asking municipality's (asked); the last event's sequence number is returned.
    pub fn audit_refusal_with(
        &mut self,
        refusal: &Refusal,
        subject: Option<&MyNumber>,
        extra: serde_json::Value,
    ) -> Result<i64, StoreError> {
        let grounds: Vec<&str> = refusal
            .grounds
            .iter()
            .map(|g| g.provision.as_str())
            .collect();
        let reasons: Vec<&str> = refusal.grounds.iter().map(|g| g.reason.as_str()).collect();
        let mut detail = serde_json::json!({ "reasons": reasons });
        if let (Some(map), serde_json::Value::Object(more)) = (detail.as_object_mut(), extra) {
            map.extend(more);
        }
        let request = &refusal.request;
        let mut trails = vec![(request.partition, None)];
        if let (vrs_consent::Action::Inquire, vrs_domain::Principal::Municipality(asking)) =
            (request.action, request.principal)
        {
            if request.partition != Some(asking) {
                trails = vec![
                    (request.partition, Some("asked of")),
                    (Some(asking), Some("asked")),
                ];
            }
        }
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_trails(
                &self.keys,
                &trails,
                subject,
                |municipality, subject, role| {
                    let mut detail = detail.clone();
                    if let (Some(map), Some(role)) = (detail.as_object_mut(), role) {
                        map.insert("role".into(), role.into());
                    }
                    AuditEvent::new(
                        refusal.as_of.to_rfc3339(),
                        request.principal,
                        request.action.as_str(),
                        Outcome::Refused,
                    )
                    .in_area(municipality.map(|m| m.as_u32()))
                    .about(subject)
                    .citing(grounds.clone())
                    .with_detail(detail)
                },
            );
        }
        let tx = sqlite!(mut self, "audit_refusal_with").transaction()?;
        let mut seq = 0;
        for (municipality, role) in trails {
            // Each trail names the person by its own municipality's blind index.
            let subject = match (subject, municipality) {
                (Some(n), Some(m)) => Some(self.keys.blind_index(n, m)?),
                (Some(n), None) => Some(self.keys.operator_blind_index(n)),
                (None, _) => None,
            };
            let mut detail = detail.clone();
            if let (Some(map), Some(role)) = (detail.as_object_mut(), role) {
                map.insert("role".into(), role.into());
            }
            let event = AuditEvent::new(
                refusal.as_of.to_rfc3339(),
                request.principal,
                request.action.as_str(),
                Outcome::Refused,
            )
            .in_area(municipality.map(|m| m.as_u32()))
            .about(subject)
            .citing(grounds.clone())
            .with_detail(detail);
            seq = audit::append(&tx, &self.keys, &event)?;
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Appends a non-personal operational event (init, backup, ...).
    pub fn audit_operation(&mut self, event: &AuditEvent<'_>) -> Result<i64, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_operation(&self.keys, event);
        }
        let tx = sqlite!(mut self, "audit_operation").transaction()?;
        let seq = audit::append(&tx, &self.keys, event)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Sets who acts from now on, beside the principal (`os:NAME`, `user:LOGIN`,
    /// `device:ID`, `app`): every audit event this store appends records it, until
    /// set again. `None`: events record no actor.
    pub fn set_actor(&mut self, actor: Option<&str>) -> Result<(), StoreError> {
        if let Db::Postgres(pg) = &mut self.db {
            pg.set_actor(actor);
            return Ok(());
        }
        audit::set_actor(sqlite!(mut self, "set_actor"), actor)
    }

    /// The actor the next audit events record, if any.
    pub fn actor(&self) -> Result<Option<String>, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return Ok(pg.actor.clone());
        }
        audit::current_actor(sqlite!(self, "actor"))
    }

    /// Verifies the whole audit chain and its head.
    pub fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_verify(&self.keys);
        }
        audit::verify(sqlite!(self, "audit_verify"), &self.keys)
    }

    /// Signs every chain's head as it is now with the audit key (`vrs audit heads`).
    pub fn audit_heads(&self, signed_at: &str) -> Result<SignedHeads, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_heads(&self.keys, signed_at);
        }
        let conn: &Connection = sqlite!(self, "audit_heads");
        audit_heads::sign(conn, &self.keys, signed_at)
    }

    /// Checks this database against signed heads, pinning this keyring's
    /// published audit key; uses nothing else of the keyring.
    pub fn audit_verify_heads(&self, heads: &SignedHeads) -> Result<HeadsReport, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_verify_heads(heads, &self.keys.audit_jwk());
        }
        verify_heads(
            sqlite!(self, "audit_verify_heads"),
            heads,
            &self.keys.audit_jwk(),
        )
    }

    /// Reads the newest `limit` events matching the filters, oldest first.
    pub fn audit_search(
        &self,
        municipality: Option<vrs_domain::MunicipalityCode>,
        action: Option<&str>,
        principal: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.audit_search(municipality.map(|m| m.as_u32()), action, principal, limit);
        }
        audit::search(
            sqlite!(self, "audit_search"),
            municipality.map(|m| m.as_u32()),
            action,
            principal,
            limit,
        )
    }
}
