//! Read-only connections for plain data reads beside the one writer: each opens
//! the database with `SQLITE_OPEN_READ_ONLY` (WAL: a reader never waits for
//! the writer and never blocks it) and `query_only`, so any write through it
//! fails instead of happening.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{group, Keyring, Store, StoreError, DB_FILE, FINGERPRINT, KEYRING_FILE};

impl Store {
    /// Opens an initialised, current data directory read-only. Nothing is
    /// migrated or bound: a database without its keyring, with another keyring
    /// or never bound to one is refused, as [`Store::open`] would.
    pub fn open_reader(dir: &Path) -> Result<Self, StoreError> {
        if dir.join(crate::postgres::DATABASE_URL_FILE).exists() {
            // PostgreSQL: a reader is one more connection, migrating nothing.
            return Self::open_postgres(dir, None);
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
        let keys = Keyring::load(&key_path)?;
        let conn = Connection::open_with_flags(
            &db_path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "query_only", true)?;
        conn.pragma_update(None, "cache_size", -16384)?;
        let recorded: Option<String> = conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [FINGERPRINT],
                |r| r.get(0),
            )
            .optional()?;
        match recorded {
            Some(f) if f == keys.fingerprint() => {}
            Some(recorded) => {
                return Err(StoreError::KeyringMismatch {
                    dir: dir.to_owned(),
                    recorded,
                    found: keys.fingerprint().to_owned(),
                })
            }
            None => {
                return Err(StoreError::NotInitialised {
                    dir: dir.to_owned(),
                })
            }
        }
        Ok(Store {
            db: crate::Db::Sqlite(group::Conn::new(conn)),
            keys,
            path: db_path,
            applied: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_reads_what_the_writer_committed_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let now = "2021-12-20T09:00:00+09:00";
        Store::init(
            dir.path(),
            Some("https://vrs.example.jp/issuer"),
            false,
            now,
        )
        .unwrap();
        let writer = Store::open(dir.path(), now).unwrap();
        let reader = Store::open_reader(dir.path()).unwrap();
        assert_eq!(
            reader.setting("issuer_base_url").unwrap().as_deref(),
            Some("https://vrs.example.jp/issuer")
        );
        writer
            .sqlite_conn()
            .execute(
                "INSERT INTO settings (key, value) VALUES ('probe', 'from the writer')",
                [],
            )
            .unwrap();
        assert_eq!(
            reader.setting("probe").unwrap().as_deref(),
            Some("from the writer"),
            "a reader sees every commit"
        );
        let write = reader.sqlite_conn().execute(
            "INSERT INTO settings (key, value) VALUES ('forged', 'by a reader')",
            [],
        );
        assert!(write.is_err(), "a reader wrote");
        assert_eq!(writer.setting("forged").unwrap(), None);
    }

    #[test]
    fn a_reader_of_a_directory_without_its_keyring_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let now = "2021-12-20T09:00:00+09:00";
        Store::init(dir.path(), None, false, now).unwrap();
        std::fs::remove_file(dir.path().join(KEYRING_FILE)).unwrap();
        let e = Store::open_reader(dir.path()).unwrap_err();
        assert!(matches!(e, StoreError::KeyringMissing { .. }), "{e:?}");
        let empty = tempfile::tempdir().unwrap();
        let e = Store::open_reader(empty.path()).unwrap_err();
        assert!(matches!(e, StoreError::NotInitialised { .. }), "{e:?}");
    }
}
