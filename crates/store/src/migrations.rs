//! Versioned schema migrations, applied in order by `vrs init` and on every open.

use rusqlite::{Connection, OptionalExtension};

use crate::StoreError;

/// Every migration, in order. A released migration is never edited; changes
/// come as a new version.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "residents, resident history, audit log",
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per resident, keyed by its municipality and address number (a
-- WITHOUT ROWID table: one B-tree fewer per insert). Every row carries its
-- municipality (T1-4-3); the My Number is held only sealed (AES-256-GCM) and
-- as a blind index (HMAC-SHA256). import_batch is the audit sequence number of
-- the import that last wrote the row (its time is that event's time).
CREATE TABLE residents (
    municipality     INTEGER NOT NULL,
    address_number   TEXT    NOT NULL,
    my_number_index  BLOB    NOT NULL CHECK (length(my_number_index) = 32),
    my_number_sealed BLOB    NOT NULL,
    ticket_number    INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    name_kana        TEXT    NOT NULL,
    birth_date       TEXT    NOT NULL,
    sex              INTEGER NOT NULL CHECK (sex IN (1, 2, 9)),
    import_batch     INTEGER NOT NULL,
    PRIMARY KEY (municipality, address_number),
    UNIQUE (municipality, my_number_index),
    UNIQUE (municipality, ticket_number)
) STRICT, WITHOUT ROWID;

-- The previous values of a resident each time an import replaced them.
CREATE TABLE resident_history (
    id                INTEGER PRIMARY KEY,
    municipality      INTEGER NOT NULL,
    address_number    TEXT    NOT NULL,
    replaced_by_batch INTEGER NOT NULL,
    my_number_index   BLOB    NOT NULL,
    my_number_sealed  BLOB    NOT NULL,
    ticket_number     INTEGER NOT NULL,
    name              TEXT    NOT NULL,
    name_kana         TEXT    NOT NULL,
    birth_date        TEXT    NOT NULL,
    sex               INTEGER NOT NULL,
    import_batch      INTEGER NOT NULL,
    FOREIGN KEY (municipality, address_number) REFERENCES residents (municipality, address_number)
) STRICT;
CREATE INDEX resident_history_by_resident ON resident_history (municipality, address_number);

-- Append-only, hash-chained audit log (S-1-3-3, S-3-3). Each event's mac is
-- HMAC-SHA256 under the keyring's audit key over the previous mac and the
-- event's fields, so an edit anywhere breaks every later link.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    principal    TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    municipality INTEGER,
    subject      BLOB,
    outcome      TEXT    NOT NULL,
    grounds      TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    prev         BLOB    NOT NULL,
    mac          BLOB    NOT NULL
) STRICT;
CREATE INDEX audit_by_municipality ON audit_log (municipality, seq);

-- The chain's head, so that cutting events off the end is detected too.
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seq      INTEGER NOT NULL,
    mac      BLOB    NOT NULL,
    head_mac BLOB    NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#,
)];

/// The schema version this build expects.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Applies every migration newer than the database's, each in its own transaction.
pub(crate) fn apply(conn: &mut Connection, now: &str) -> Result<Vec<i64>, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         ) STRICT;",
    )?;
    let current: i64 = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0);
    if current > latest() {
        return Err(StoreError::Corrupt {
            what: format!(
                "database schema version {current} is newer than this build ({})",
                latest()
            ),
        });
    }
    let mut applied = Vec::new();
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, description, now],
        )?;
        tx.commit()?;
        applied.push(*version);
    }
    Ok(applied)
}
