//! Opening the SQLite backend: the connection's settings, whether a database
//! file is in use, binding the keyring, and read-only opens for backups.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::{audit, Keyring, StoreError, FINGERPRINT};

/// How many prepared statements a connection keeps (every distinct statement
/// of the store fits, with room to spare).
pub(crate) const STATEMENT_CACHE: usize = 512;

pub(crate) fn configure(conn: &mut Connection) -> Result<(), StoreError> {
    // Wait for other writers (first, so even switching to WAL waits its turn).
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Every use case writes its audit event, so every transaction is a writer
    // from its start: a deferred read transaction promoted to a write fails
    // with SQLITE_BUSY_SNAPSHOT (517), which no busy timeout retries.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    set_wal(conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache (default 2 MiB): bulk imports insert into three
    // unique indexes in random order, and a small cache spills to the WAL and
    // reads the pages back for every row.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // rusqlite caches 16 prepared statements by default; one dose registration
    // alone runs more distinct statements than that (the device's session, the
    // resident, the held doses, the dose, its history, the audit chain), so the
    // cache thrashed and every request re-parsed its SQL.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Switches the database to WAL. On a fresh file still in rollback mode, two
/// processes switching at once both hold a SHARED lock and want EXCLUSIVE:
/// SQLite answers one of them SQLITE_BUSY at once (a deadlock the busy timeout
/// does not wait out), so that one tries again until the other has switched.
fn set_wal(conn: &Connection) -> Result<(), StoreError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return Ok(other?),
        }
    }
}

/// The database file and its `-wal`/`-shm` companions.
pub(crate) fn db_files(db_path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = db_path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [db_path.to_owned(), with("-wal"), with("-shm")]
}

/// True when the database at `db_path` has been used (a keyring was bound to
/// it or it holds audit events): such a database never gets a new keyring.
pub(crate) fn database_in_use(db_path: &Path) -> Result<bool, StoreError> {
    if !db_path.exists() {
        return Ok(false);
    }
    let conn = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let has = |table: &str| -> Result<bool, StoreError> {
        Ok(conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get::<_, i64>(0),
        )? > 0)
    };
    if has("settings")? {
        let bound: i64 = conn.query_row(
            "SELECT count(*) FROM settings WHERE key = ?1",
            [FINGERPRINT],
            |r| r.get(0),
        )?;
        if bound > 0 {
            return Ok(true);
        }
    }
    Ok(has("audit_log")?
        && conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0))? > 0)
}

/// Checks that `keys` is the database's keyring, recording its fingerprint on
/// first use. A database made before fingerprints were recorded is bound only
/// if its audit chain verifies and a sealed My Number opens under these keys.
pub(crate) fn bind_keyring(
    conn: &mut Connection,
    keys: &Keyring,
    db_path: &Path,
) -> Result<(), StoreError> {
    use rusqlite::OptionalExtension;
    let read = |conn: &Connection| -> Result<Option<String>, StoreError> {
        Ok(conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [FINGERPRINT],
                |r| r.get(0),
            )
            .optional()?)
    };
    let mismatch = |recorded: String| StoreError::KeyringMismatch {
        dir: db_path.parent().unwrap_or(db_path).to_owned(),
        recorded,
        found: keys.fingerprint().to_owned(),
    };
    let recorded = match read(conn)? {
        Some(f) => f,
        None => {
            let tx = conn.transaction()?;
            if read(&tx)?.is_none() {
                let events: i64 =
                    tx.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
                if events > 0 && !audit::verify(&tx, keys)?.valid {
                    return Err(mismatch("none (its audit log does not verify)".into()));
                }
                let sealed: Option<(u32, Vec<u8>)> = tx
                    .query_row(
                        "SELECT municipality, my_number_sealed FROM residents LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if let Some((m, sealed)) = sealed {
                    let m = vrs_domain::MunicipalityCode::parse_municipality(&format!("{m:06}"))
                        .map_err(|e| StoreError::Corrupt {
                            what: e.to_string(),
                        })?;
                    if keys.open_legacy(&sealed, m).is_err() && keys.open(&sealed, m).is_err() {
                        return Err(mismatch("none (its residents do not open)".into()));
                    }
                }
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    [FINGERPRINT, keys.fingerprint()],
                )?;
            }
            tx.commit()?;
            read(conn)?.unwrap_or_default()
        }
    };
    if recorded == keys.fingerprint() {
        Ok(())
    } else {
        Err(mismatch(recorded))
    }
}

/// Opens a database file read-only without creating or changing anything
/// beside it (no `-wal`/`-shm`): for verifying backups.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let text = path.to_str().ok_or_else(|| StoreError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not UTF-8"),
    })?;
    let escaped = text
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    let uri = format!("file:{escaped}?immutable=1");
    Ok(Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many connections configuring one fresh file at once all end in WAL:
    /// none is answered "database is locked" by the rollback-mode deadlock.
    #[test]
    fn connections_configuring_a_fresh_file_at_once_all_switch_to_wal() {
        for round in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("vrs.db");
            let barrier = std::sync::Barrier::new(6);
            let modes: Vec<String> = std::thread::scope(|s| {
                (0..6)
                    .map(|_| {
                        s.spawn(|| {
                            let mut conn = Connection::open(&path).unwrap();
                            barrier.wait();
                            configure(&mut conn).map_err(|e| format!("round {round}: {e}"))?;
                            conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
                                .map_err(|e| e.to_string())
                        })
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
                    .map(|h| h.join().unwrap().unwrap())
                    .collect()
            });
            assert!(modes.iter().all(|m| m == "wal"), "{modes:?}");
        }
    }
}
