//! Backups (T1-5-3): a consistent copy while in use, and its verification.

use std::path::Path;

use rusqlite::backup::Backup;
use serde::Serialize;

use crate::output::{create_private_dir, OutputFile};
use crate::{
    audit, migrations, open_read_only, AuditReport, Keyring, Store, StoreError, DB_FILE,
    KEYRING_FILE,
};

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The backup file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Audit events it holds.
    pub audit_events: u64,
}

/// What verifying a backup found.
#[derive(Debug, Clone, Serialize)]
pub struct BackupVerification {
    /// True when the file opens, passes `integrity_check`, has a known schema and its audit chain verifies.
    pub valid: bool,
    /// `ok`, or what `PRAGMA integrity_check` reported.
    pub integrity: String,
    /// The schema version in the backup.
    pub schema_version: i64,
    /// The audit chain check.
    pub audit: AuditReport,
}

impl Store {
    /// Copies the database to `to` with SQLite's online backup API: a consistent
    /// snapshot even while other connections write. The copy is made in a fresh
    /// temporary file beside `to` (mode 0600), switched to a rollback journal (so
    /// it never needs `-wal`/`-shm` files), verified, and only then moved to `to`:
    /// an interrupted backup leaves nothing at `to`. Refuses to overwrite a file
    /// unless `replace`.
    pub fn backup_to(&mut self, to: &Path, replace: bool) -> Result<BackupReport, StoreError> {
        let out = self.backup_file(to, replace)?;
        self.backup_into(out)
    }

    /// Checks a backup target and creates its temporary file (see
    /// [`Store::backup_into`]); the database itself is refused as a target.
    pub fn backup_file(&self, to: &Path, replace: bool) -> Result<OutputFile, StoreError> {
        Ok(OutputFile::create(to, replace, &[&self.path])?)
    }

    /// Writes the backup into a target checked by [`Store::backup_file`].
    pub fn backup_into(&mut self, mut out: OutputFile) -> Result<BackupReport, StoreError> {
        let to = out.target().to_owned();
        let to = to.as_path();
        out.close_handle();
        {
            let mut dest = rusqlite::Connection::open(out.temp_path())?;
            {
                let backup = Backup::new(sqlite!(mut self, "backup_into"), &mut dest)?;
                backup.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
            }
            dest.pragma_update(None, "journal_mode", "DELETE")?;
        }
        let verification = verify_backup_with(out.temp_path(), &self.keys)?;
        if !verification.valid {
            return Err(StoreError::BadBackup {
                path: to.to_owned(),
                why: format!("integrity {}", verification.integrity),
            });
        }
        let bytes = std::fs::metadata(out.temp_path())
            .map_err(|e| StoreError::io(to, e))?
            .len();
        out.commit()?;
        Ok(BackupReport {
            path: to.display().to_string(),
            bytes,
            audit_events: verification.audit.events,
        })
    }

    /// Verifies a backup file with this instance's keyring.
    pub fn verify_backup(&self, file: &Path) -> Result<BackupVerification, StoreError> {
        verify_backup_with(file, &self.keys)
    }

    /// T1-5-3: restores a backup into `dir`, which must be new or empty, with the
    /// keyring file made with that database. The backup is verified under that
    /// keyring (integrity, schema, audit chain, keyring fingerprint) before
    /// anything is written; the database and keyring are written 0600 into a
    /// 0700 directory, then opened as a check.
    pub fn restore(dir: &Path, from: &Path, keyring: &Path, now: &str) -> Result<Self, StoreError> {
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                return Err(StoreError::NotEmpty {
                    dir: dir.to_owned(),
                });
            }
        }
        let keys = Keyring::load(keyring)?;
        let check = verify_backup_with(from, &keys)?;
        if !check.valid {
            return Err(StoreError::BadBackup {
                path: from.to_owned(),
                why: format!(
                    "integrity {}, schema {}, audit chain {}",
                    check.integrity,
                    check.schema_version,
                    if check.audit.valid {
                        "valid"
                    } else {
                        "invalid"
                    }
                ),
            });
        }
        let conn = open_read_only(from)?;
        let recorded: Option<String> = {
            use rusqlite::OptionalExtension;
            conn.query_row(
                "SELECT value FROM settings WHERE key = 'keyring_fingerprint'",
                [],
                |r| r.get(0),
            )
            .optional()?
        };
        drop(conn);
        if let Some(recorded) = recorded {
            if recorded != keys.fingerprint() {
                return Err(StoreError::KeyringMismatch {
                    dir: from.to_owned(),
                    recorded,
                    found: keys.fingerprint().to_owned(),
                });
            }
        }
        create_private_dir(dir).map_err(|e| StoreError::io(dir, e))?;
        let copy = |src: &Path, name: &str| -> Result<(), StoreError> {
            let bytes = std::fs::read(src).map_err(|e| StoreError::io(src, e))?;
            let mut out = OutputFile::create(&dir.join(name), false, &[])?;
            out.write_all(&bytes)?;
            out.commit()?;
            Ok(())
        };
        copy(keyring, KEYRING_FILE)?;
        copy(from, DB_FILE)?;
        Self::open(dir, now)
    }
}

/// Verifies a backup file: opens it read-only (creating nothing beside it),
/// runs `PRAGMA integrity_check`, checks its schema version and verifies its
/// audit chain under `keys`. A file that is not a vrs database is reported as
/// not valid (not as an error).
pub fn verify_backup_with(file: &Path, keys: &Keyring) -> Result<BackupVerification, StoreError> {
    if !file.is_file() {
        return Err(StoreError::io(
            file,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file"),
        ));
    }
    let invalid = |why: String| BackupVerification {
        valid: false,
        integrity: why,
        schema_version: 0,
        audit: AuditReport {
            valid: false,
            events: 0,
            first_bad_seq: None,
            chains: 0,
        },
    };
    let conn = open_read_only(file)?;
    let integrity: String = match conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)) {
        Ok(i) => i,
        Err(e) => return Ok(invalid(format!("not a database: {e}"))),
    };
    let schema_version =
        match conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get::<_, Option<i64>>(0)
        }) {
            Ok(v) => v.unwrap_or(0),
            Err(e) => return Ok(invalid(format!("not a vrs database: {e}"))),
        };
    let audit = match audit::verify(&conn, keys) {
        Ok(a) => a,
        Err(e) => return Ok(invalid(format!("not a vrs database: {e}"))),
    };
    Ok(BackupVerification {
        valid: integrity == "ok" && schema_version == migrations::latest() && audit.valid,
        integrity,
        schema_version,
        audit,
    })
}
