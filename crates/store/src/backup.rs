//! Backups (T1-5-3): a consistent copy while in use, and its verification.

use std::path::Path;

use rusqlite::backup::Backup;
use serde::Serialize;

use crate::{audit, migrations, open_read_only, AuditReport, Keyring, Store, StoreError};

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
    /// snapshot even while other connections write. Refuses to overwrite a file.
    pub fn backup_to(&mut self, to: &Path) -> Result<BackupReport, StoreError> {
        if to.exists() {
            return Err(StoreError::io(
                to,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "backup file already exists",
                ),
            ));
        }
        {
            let mut dest = rusqlite::Connection::open(to)?;
            let backup = Backup::new(&self.conn, &mut dest)?;
            backup.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
        }
        let bytes = std::fs::metadata(to)
            .map_err(|e| StoreError::io(to, e))?
            .len();
        let report = audit::verify(&open_read_only(to)?, &self.keys)?;
        Ok(BackupReport {
            path: to.display().to_string(),
            bytes,
            audit_events: report.events,
        })
    }

    /// Verifies a backup file with this instance's keyring.
    pub fn verify_backup(&self, file: &Path) -> Result<BackupVerification, StoreError> {
        verify_backup_with(file, &self.keys)
    }
}

/// Verifies a backup file: opens it read-only, runs `PRAGMA integrity_check`,
/// checks its schema version and verifies its audit chain under `keys`.
pub fn verify_backup_with(file: &Path, keys: &Keyring) -> Result<BackupVerification, StoreError> {
    if !file.exists() {
        return Err(StoreError::io(
            file,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file"),
        ));
    }
    let conn = open_read_only(file)?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let schema_version: i64 = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0);
    let audit = audit::verify(&conn, keys)?;
    Ok(BackupVerification {
        valid: integrity == "ok" && schema_version == migrations::latest() && audit.valid,
        integrity,
        schema_version,
        audit,
    })
}
