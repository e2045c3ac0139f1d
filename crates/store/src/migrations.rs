//! Versioned schema migrations, applied in order by `vrs init` and on every open.

use rusqlite::{Connection, OptionalExtension};

use crate::StoreError;

/// Every migration, in order. A released migration is never edited; changes
/// come as a new version.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
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
    ),
    (
        2,
        "consents, emergency stops",
        r#"
-- Each municipality's consent to each document, in force from effective_from
-- (N-2, T1-2-3). Revoking deletes the row; consent_history keeps every change.
CREATE TABLE consents (
    municipality   INTEGER NOT NULL,
    document       TEXT    NOT NULL,
    effective_from TEXT    NOT NULL,
    approved_by    TEXT,
    recorded_at    TEXT    NOT NULL,
    audit_seq      INTEGER NOT NULL,
    PRIMARY KEY (municipality, document)
) STRICT;

CREATE TABLE consent_history (
    id             INTEGER PRIMARY KEY,
    municipality   INTEGER NOT NULL,
    document       TEXT    NOT NULL,
    change         TEXT    NOT NULL CHECK (change IN ('grant', 'revoke')),
    effective_from TEXT,
    approved_by    TEXT,
    recorded_at    TEXT    NOT NULL,
    audit_seq      INTEGER NOT NULL
) STRICT;

-- Functions under an emergency stop (T1-10), and every stop and resume.
CREATE TABLE emergency_stops (
    function   TEXT    PRIMARY KEY,
    reason     TEXT    NOT NULL,
    stopped_at TEXT    NOT NULL,
    audit_seq  INTEGER NOT NULL
) STRICT;

CREATE TABLE emergency_history (
    id        INTEGER PRIMARY KEY,
    function  TEXT    NOT NULL,
    change    TEXT    NOT NULL CHECK (change IN ('stop', 'resume')),
    reason    TEXT,
    at        TEXT    NOT NULL,
    audit_seq INTEGER NOT NULL
) STRICT;
"#,
    ),
    (
        3,
        "doses, dose history, lots seen",
        r#"
-- Doses (D12-2). One row per dose holding its current version; every earlier
-- version is kept in dose_history (nothing is erased: a deletion marks the
-- dose entered_in_error). A dose lives in its residence municipality's
-- partition and points at the resident by address number; no My Number is
-- held here (T1-3-1-6). age is the person's age on the dose date, kept for
-- statistics so that they need no join with residents.
CREATE TABLE doses (
    id                       INTEGER PRIMARY KEY,
    municipality             INTEGER NOT NULL,
    address_number           TEXT    NOT NULL,
    ticket_number            INTEGER NOT NULL,
    ticket_kind              INTEGER NOT NULL,
    ticket_dose_count        INTEGER NOT NULL,
    dose_number              INTEGER NOT NULL CHECK (dose_number BETWEEN 1 AND 9),
    date                     TEXT    NOT NULL,
    product                  TEXT    NOT NULL,
    lot                      TEXT    NOT NULL,
    venue                    TEXT,
    doctor                   TEXT,
    vaccinating_municipality INTEGER NOT NULL,
    age                      INTEGER NOT NULL,
    registered_at            TEXT    NOT NULL,
    registered_by            TEXT    NOT NULL,
    on_behalf                INTEGER NOT NULL CHECK (on_behalf IN (0, 1)),
    status                   TEXT    NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    confirmed                INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    review                   TEXT,
    version                  INTEGER NOT NULL,
    changed_at               TEXT    NOT NULL,
    changed_by               TEXT    NOT NULL,
    change                   TEXT    NOT NULL,
    reason                   TEXT
) STRICT;
CREATE INDEX doses_by_person ON doses (municipality, address_number, dose_number);
CREATE INDEX doses_in_review ON doses (municipality) WHERE review IS NOT NULL;

-- Every earlier version of a dose, with who changed it, when and why.
CREATE TABLE dose_history (
    dose_id                  INTEGER NOT NULL REFERENCES doses (id),
    version                  INTEGER NOT NULL,
    municipality             INTEGER NOT NULL,
    address_number           TEXT    NOT NULL,
    ticket_number            INTEGER NOT NULL,
    ticket_kind              INTEGER NOT NULL,
    ticket_dose_count        INTEGER NOT NULL,
    dose_number              INTEGER NOT NULL,
    date                     TEXT    NOT NULL,
    product                  TEXT    NOT NULL,
    lot                      TEXT    NOT NULL,
    venue                    TEXT,
    doctor                   TEXT,
    vaccinating_municipality INTEGER NOT NULL,
    age                      INTEGER NOT NULL,
    registered_at            TEXT    NOT NULL,
    registered_by            TEXT    NOT NULL,
    on_behalf                INTEGER NOT NULL,
    status                   TEXT    NOT NULL,
    confirmed                INTEGER NOT NULL,
    review                   TEXT,
    changed_at               TEXT    NOT NULL,
    changed_by               TEXT    NOT NULL,
    change                   TEXT    NOT NULL,
    reason                   TEXT,
    PRIMARY KEY (dose_id, version)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER dose_history_no_update BEFORE UPDATE ON dose_history
BEGIN SELECT RAISE(ABORT, 'dose_history is append-only'); END;
CREATE TRIGGER dose_history_no_delete BEFORE DELETE ON dose_history
BEGIN SELECT RAISE(ABORT, 'dose_history is append-only'); END;
CREATE TRIGGER doses_no_delete BEFORE DELETE ON doses
BEGIN SELECT RAISE(ABORT, 'doses are never erased: mark them entered_in_error'); END;

-- Lots seen per product: a lot's first use is flagged for a human check.
CREATE TABLE lots (
    product    TEXT NOT NULL,
    lot        TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (product, lot)
) STRICT, WITHOUT ROWID;
"#,
    ),
    (
        4,
        "issuer keys, revocation secrets, revocations",
        r#"
-- Each municipality's certificate signing keys (T1-4-2). The private key is held
-- only sealed under the keyring; retiring a key destroys it (sealed_private
-- becomes NULL) while its public key stays published.
CREATE TABLE issuer_keys (
    kid            TEXT    PRIMARY KEY,
    municipality   INTEGER NOT NULL,
    public_jwk     TEXT    NOT NULL,
    sealed_private BLOB,
    created_at     TEXT    NOT NULL,
    retired_at     TEXT,
    audit_seq      INTEGER NOT NULL,
    CHECK ((retired_at IS NULL) = (sealed_private IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (municipality) WHERE retired_at IS NULL;

-- The secret each issuer derives revocation ids (rid) from, sealed.
CREATE TABLE revocation_secrets (
    municipality INTEGER PRIMARY KEY,
    sealed       BLOB    NOT NULL
) STRICT;

-- Revoked certificates, per key; never deleted, so the count is the CRL version.
CREATE TABLE revocations (
    kid          TEXT    NOT NULL REFERENCES issuer_keys (kid),
    rid          TEXT    NOT NULL,
    municipality INTEGER NOT NULL,
    revoked_at   TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    audit_seq    INTEGER NOT NULL,
    PRIMARY KEY (kid, rid)
) STRICT;
"#,
    ),
    (
        5,
        "certificate issuance history",
        r#"
-- The issuance history (P11-2-1). Of the person it keeps ONLY what P11-2-3
-- allows: name, birth date and, for overseas certificates, nationality and
-- passport number. Everything else is the certificate's own metadata. origin
-- marks the row as data received from an individual through electronic
-- issuance (T1-9-3): only certificate issuance may read it.
CREATE TABLE issuances (
    certificate_id    TEXT    PRIMARY KEY,
    municipality      INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('domestic', 'overseas')),
    name              TEXT    NOT NULL,
    birth_date        TEXT    NOT NULL,
    nationality       TEXT,
    passport_number   TEXT,
    origin            TEXT    NOT NULL CHECK (origin = 'individual'),
    with_holders_card INTEGER NOT NULL CHECK (with_holders_card IN (0, 1)),
    kid               TEXT    NOT NULL REFERENCES issuer_keys (kid),
    rid               TEXT    NOT NULL,
    issued_at         TEXT    NOT NULL,
    revoked_at        TEXT,
    revoked_reason    TEXT,
    audit_seq         INTEGER NOT NULL,
    CHECK ((kind = 'overseas') = (nationality IS NOT NULL AND passport_number IS NOT NULL))
) STRICT;
CREATE INDEX issuances_by_municipality ON issuances (municipality, issued_at);

-- Which doses each certificate shows, so that correcting or deleting one revokes it.
CREATE TABLE issuance_doses (
    certificate_id TEXT    NOT NULL REFERENCES issuances (certificate_id),
    dose_id        INTEGER NOT NULL REFERENCES doses (id),
    PRIMARY KEY (certificate_id, dose_id)
) STRICT;
CREATE INDEX issuance_doses_by_dose ON issuance_doses (dose_id);
"#,
    ),
    (
        6,
        "dose counts for statistics",
        r#"
-- Active doses counted per municipality, date, dose number, product and
-- ten-year age band, kept in the same transaction as every dose change, so
-- that statistics read this small table instead of scanning every dose.
CREATE TABLE dose_counts (
    municipality INTEGER NOT NULL,
    date         TEXT    NOT NULL,
    dose_number  INTEGER NOT NULL,
    product      TEXT    NOT NULL,
    age_band     TEXT    NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (municipality, date, dose_number, product, age_band)
) STRICT, WITHOUT ROWID;
INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
SELECT municipality, date, dose_number, product,
       CASE WHEN age >= 90 THEN '90+' WHEN age < 0 THEN '0-9'
            ELSE (age / 10 * 10) || '-' || (age / 10 * 10 + 9) END,
       count(*)
FROM doses WHERE status = 'active'
GROUP BY 1, 2, 3, 4, 5;
"#,
    ),
    (
        7,
        "moved-in residents, carried-over doses, population",
        r#"
-- Where a resident lived before moving in, and since when (D12-3: the
-- municipality an inquiry is made of).
ALTER TABLE residents ADD COLUMN previous_municipality INTEGER;
ALTER TABLE residents ADD COLUMN moved_in_on TEXT;
ALTER TABLE resident_history ADD COLUMN previous_municipality INTEGER;
ALTER TABLE resident_history ADD COLUMN moved_in_on TEXT;

-- A dose carried over from the previous municipality's answer to an inquiry:
-- the holder's code and the number it gave the dose. Carried-over doses are
-- never counted in dose_counts (the holder already counts them).
ALTER TABLE doses ADD COLUMN carried_from INTEGER;
ALTER TABLE doses ADD COLUMN original_dose_number INTEGER;
ALTER TABLE dose_history ADD COLUMN carried_from INTEGER;
ALTER TABLE dose_history ADD COLUMN original_dose_number INTEGER;

-- Who holds which dose number: the residents whose next ticket is due are found
-- from this index alone (and the residents' primary key).
CREATE INDEX doses_active_by_number ON doses (municipality, dose_number, address_number, date)
    WHERE status = 'active';

-- The population of each municipality by ten-year age band: the denominators
-- of the national release's coverage percentages.
CREATE TABLE population (
    municipality INTEGER NOT NULL,
    age_band     TEXT    NOT NULL,
    n            INTEGER NOT NULL CHECK (n >= 0),
    audit_seq    INTEGER NOT NULL,
    PRIMARY KEY (municipality, age_band)
) STRICT, WITHOUT ROWID;
"#,
    ),
    (
        8,
        "users, sessions, devices, enrolment codes, audit actor",
        r#"
-- Users of the service (T1-9-1). municipality is the area of a user of a
-- municipality or one of its sites (NULL for prefecture, national and operator
-- users). The password is an argon2id PHC string; the TOTP secret is sealed
-- under the keyring's data key with the login as associated data. Times are
-- Unix seconds.
CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    login             TEXT    NOT NULL UNIQUE,
    principal         TEXT    NOT NULL,
    municipality      INTEGER,
    role              TEXT    NOT NULL CHECK (role IN ('admin', 'clerk', 'viewer')),
    my_number_handler INTEGER NOT NULL CHECK (my_number_handler IN (0, 1)),
    password_hash     TEXT    NOT NULL,
    totp_sealed       BLOB,
    totp_last_step    INTEGER,
    disabled          INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins     INTEGER NOT NULL DEFAULT 0,
    locked_until      INTEGER,
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_municipality ON users (municipality, login);

-- Sessions: only the SHA-256 of each 256-bit token is kept.
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    municipality INTEGER,
    created_at   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Devices (tablets of a municipality's vaccination sites, T1-9-2): each acts as
-- site:<municipality>; only the SHA-256 of its token is kept.
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    municipality INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX devices_by_municipality ON devices (municipality, id);

-- One-time enrolment codes for a municipality's first administrator, hashed.
CREATE TABLE enrolments (
    code_hash    BLOB    PRIMARY KEY CHECK (length(code_hash) = 32),
    municipality INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
) STRICT, WITHOUT ROWID;

-- Who acted, beside the principal: the OS user on the CLI, the user or device
-- on the server. NULL for events written before this version.
ALTER TABLE audit_log ADD COLUMN actor TEXT;
CREATE INDEX audit_by_action ON audit_log (action, seq);
"#,
    ),
    (
        9,
        "audit chains per municipality",
        r#"
-- One audit chain per municipality plus the operator's (chain 0), so that no
-- row is written by every transaction in the country. Events of older schemas
-- keep chain NULL: they are the one legacy chain (global seq, audit_head), and
-- every new chain starts from its last link. hash is SHA-256 over the chain,
-- chain_seq, the previous event's hash (prev) and the fields: anyone can
-- recompute it, and signed heads commit to it. mac is HMAC-SHA256 of hash
-- under the audit key. prev_seq is the seq of the previous event in the chain
-- (0 for the first), so that a deleted event is named.
ALTER TABLE audit_log ADD COLUMN chain INTEGER;
ALTER TABLE audit_log ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_seq INTEGER;
ALTER TABLE audit_log ADD COLUMN hash BLOB;
CREATE UNIQUE INDEX audit_by_chain ON audit_log (chain, chain_seq) WHERE chain IS NOT NULL;

-- Each chain's last event, MAC'd, so that cutting events off its end is detected.
CREATE TABLE audit_heads (
    chain     INTEGER PRIMARY KEY,
    chain_seq INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    hash      BLOB    NOT NULL,
    head_mac  BLOB    NOT NULL
) STRICT;

-- Municipalities erased at the end of their contract (M-13). While a row is
-- 'erasing' (only inside the erasure's own transaction, which also writes its
-- audit event), the append-only triggers admit deleting that municipality's
-- doses and their history: the one guarded path, not a general hole.
CREATE TABLE erasures (
    municipality INTEGER PRIMARY KEY,
    state        TEXT    NOT NULL CHECK (state IN ('erasing', 'erased')),
    at           TEXT    NOT NULL,
    audit_seq    INTEGER NOT NULL
) STRICT;
DROP TRIGGER dose_history_no_delete;
DROP TRIGGER doses_no_delete;
CREATE TRIGGER dose_history_no_delete BEFORE DELETE ON dose_history
WHEN NOT EXISTS (SELECT 1 FROM erasures WHERE municipality = OLD.municipality AND state = 'erasing')
BEGIN SELECT RAISE(ABORT, 'dose_history is append-only'); END;
CREATE TRIGGER doses_no_delete BEFORE DELETE ON doses
WHEN NOT EXISTS (SELECT 1 FROM erasures WHERE municipality = OLD.municipality AND state = 'erasing')
BEGIN SELECT RAISE(ABORT, 'doses are never erased: mark them entered_in_error'); END;
"#,
    ),
    (
        10,
        "the app's server challenges",
        r#"
-- The app's server challenges (P9-1, P9-3): a nonce is kept only as its SHA-256,
-- live until expires_at (unix seconds), consumed by the first application that
-- presents it. Expired challenges are purged when new ones are issued.
CREATE TABLE app_challenges (
    nonce_hash  BLOB    PRIMARY KEY CHECK (length(nonce_hash) = 32),
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX app_challenges_by_expiry ON app_challenges (expires_at);
"#,
    ),
    (
        11,
        "resident search by kana name and birth date; counter issuance in the history",
        r#"
-- The staff screens' resident search (kana name + birth date) reads one
-- municipality's residents born on one day: a few dozen rows at most.
CREATE INDEX residents_by_birth ON residents (municipality, birth_date, name_kana);

-- Counter issuance (窓口発行): a clerk issues the paper certificate to a person
-- identified at the counter; its history row says origin 'counter' and keeps the
-- same P11-2-3 fields. SQLite cannot alter a CHECK, so the table is rebuilt: the
-- rows of issuance_doses (which reference it) are set aside first, so that no
-- foreign key ever points at a missing row.
CREATE TABLE issuance_doses_v11 AS SELECT certificate_id, dose_id FROM issuance_doses;
DROP TABLE issuance_doses;
CREATE TABLE issuances_v11 (
    certificate_id    TEXT    PRIMARY KEY,
    municipality      INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('domestic', 'overseas')),
    name              TEXT    NOT NULL,
    birth_date        TEXT    NOT NULL,
    nationality       TEXT,
    passport_number   TEXT,
    origin            TEXT    NOT NULL CHECK (origin IN ('individual', 'counter')),
    with_holders_card INTEGER NOT NULL CHECK (with_holders_card IN (0, 1)),
    kid               TEXT    NOT NULL REFERENCES issuer_keys (kid),
    rid               TEXT    NOT NULL,
    issued_at         TEXT    NOT NULL,
    revoked_at        TEXT,
    revoked_reason    TEXT,
    audit_seq         INTEGER NOT NULL,
    CHECK ((kind = 'overseas') = (nationality IS NOT NULL AND passport_number IS NOT NULL))
) STRICT;
INSERT INTO issuances_v11
    SELECT certificate_id, municipality, kind, name, birth_date, nationality, passport_number,
           origin, with_holders_card, kid, rid, issued_at, revoked_at, revoked_reason, audit_seq
    FROM issuances;
DROP TABLE issuances;
ALTER TABLE issuances_v11 RENAME TO issuances;
CREATE INDEX issuances_by_municipality ON issuances (municipality, issued_at);
CREATE TABLE issuance_doses (
    certificate_id TEXT    NOT NULL REFERENCES issuances (certificate_id),
    dose_id        INTEGER NOT NULL REFERENCES doses (id),
    PRIMARY KEY (certificate_id, dose_id)
) STRICT;
INSERT INTO issuance_doses SELECT certificate_id, dose_id FROM issuance_doses_v11;
DROP TABLE issuance_doses_v11;
CREATE INDEX issuance_doses_by_dose ON issuance_doses (dose_id);
"#,
    ),
    (
        12,
        "per-municipality resident counts kept in the writing transaction",
        r#"
-- The staff home screen and `residents count` read a municipality's number of
-- residents on every load; counting a million index entries each time took tens
-- of milliseconds. The count is kept here instead, by triggers, so it changes in
-- the same transaction as every insert or delete of a resident, whichever code
-- path writes (import, erasure); it is never a cached figure that can go stale.
CREATE TABLE resident_counts (
    municipality INTEGER PRIMARY KEY,
    n            INTEGER NOT NULL CHECK (n >= 0)
) STRICT;
INSERT INTO resident_counts (municipality, n)
    SELECT municipality, count(*) FROM residents GROUP BY municipality;
CREATE TRIGGER resident_counts_insert AFTER INSERT ON residents BEGIN
    INSERT OR IGNORE INTO resident_counts (municipality, n) VALUES (NEW.municipality, 0);
    UPDATE resident_counts SET n = n + 1 WHERE municipality = NEW.municipality;
END;
CREATE TRIGGER resident_counts_delete AFTER DELETE ON residents BEGIN
    UPDATE resident_counts SET n = n - 1 WHERE municipality = OLD.municipality;
END;
CREATE TRIGGER resident_counts_update AFTER UPDATE OF municipality ON residents
    WHEN OLD.municipality <> NEW.municipality BEGIN
    UPDATE resident_counts SET n = n - 1 WHERE municipality = OLD.municipality;
    INSERT OR IGNORE INTO resident_counts (municipality, n) VALUES (NEW.municipality, 0);
    UPDATE resident_counts SET n = n + 1 WHERE municipality = NEW.municipality;
END;
"#,
    ),
    (
        13,
        "resident counts kept by the store, not by triggers",
        r#"
-- Migration 12's triggers halved the rate of a bulk resident insert; the store
-- now keeps resident_counts itself, in the same transaction as every write that
-- adds or removes residents (an import adds the rows it inserted, an erasure
-- drops the municipality's row). The counts are recomputed from the rows held.
DROP TRIGGER resident_counts_insert;
DROP TRIGGER resident_counts_delete;
DROP TRIGGER resident_counts_update;
DELETE FROM resident_counts;
INSERT INTO resident_counts (municipality, n)
    SELECT municipality, count(*) FROM residents GROUP BY municipality;
"#,
    ),
    (
        14,
        "dose counts rolled up without the date and without the age band",
        r#"
-- Two coarser sums of dose_counts, so that national statistics read the
-- smallest table that holds the keys and filters asked: without the date (the
-- questions by municipality, dose, vaccine or age band) and without the age
-- band (the questions by date). Triggers on dose_counts keep them in the same
-- transaction as every change of a cell, whichever code path writes it; they
-- are sums, never a cached figure that can go stale. A cell's keys never
-- change (only its n does): the store adds to n.
CREATE TABLE dose_counts_by_band (
    municipality INTEGER NOT NULL,
    dose_number  INTEGER NOT NULL,
    product      TEXT    NOT NULL,
    age_band     TEXT    NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (municipality, dose_number, product, age_band)
) STRICT, WITHOUT ROWID;
CREATE TABLE dose_counts_by_date (
    municipality INTEGER NOT NULL,
    date         TEXT    NOT NULL,
    dose_number  INTEGER NOT NULL,
    product      TEXT    NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (municipality, date, dose_number, product)
) STRICT, WITHOUT ROWID;
INSERT INTO dose_counts_by_band (municipality, dose_number, product, age_band, n)
    SELECT municipality, dose_number, product, age_band, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;
INSERT INTO dose_counts_by_date (municipality, date, dose_number, product, n)
    SELECT municipality, date, dose_number, product, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;
CREATE TRIGGER dose_counts_rollup_insert AFTER INSERT ON dose_counts BEGIN
    INSERT INTO dose_counts_by_band (municipality, dose_number, product, age_band, n)
        VALUES (NEW.municipality, NEW.dose_number, NEW.product, NEW.age_band, NEW.n)
        ON CONFLICT (municipality, dose_number, product, age_band) DO UPDATE SET n = n + excluded.n;
    INSERT INTO dose_counts_by_date (municipality, date, dose_number, product, n)
        VALUES (NEW.municipality, NEW.date, NEW.dose_number, NEW.product, NEW.n)
        ON CONFLICT (municipality, date, dose_number, product) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER dose_counts_rollup_update AFTER UPDATE OF n ON dose_counts BEGIN
    UPDATE dose_counts_by_band SET n = n + NEW.n - OLD.n
        WHERE municipality = NEW.municipality AND dose_number = NEW.dose_number
          AND product = NEW.product AND age_band = NEW.age_band;
    UPDATE dose_counts_by_date SET n = n + NEW.n - OLD.n
        WHERE municipality = NEW.municipality AND date = NEW.date
          AND dose_number = NEW.dose_number AND product = NEW.product;
END;
CREATE TRIGGER dose_counts_rollup_delete AFTER DELETE ON dose_counts BEGIN
    UPDATE dose_counts_by_band SET n = n - OLD.n
        WHERE municipality = OLD.municipality AND dose_number = OLD.dose_number
          AND product = OLD.product AND age_band = OLD.age_band;
    UPDATE dose_counts_by_date SET n = n - OLD.n
        WHERE municipality = OLD.municipality AND date = OLD.date
          AND dose_number = OLD.dose_number AND product = OLD.product;
END;
CREATE TRIGGER dose_counts_keys_fixed
    BEFORE UPDATE OF municipality, date, dose_number, product, age_band ON dose_counts BEGIN
    SELECT RAISE(ABORT, 'a dose count''s keys never change: add to n');
END;
"#,
    ),
    (
        15,
        "a count of the app's challenges kept",
        r#"
-- How many of the app's challenges are kept, so that issuing one checks the
-- limit (MAX_LIVE_CHALLENGES) without counting the table: challenges are kept
-- ten minutes, consumed or not, so at the app's rate the table holds hundreds
-- of thousands of rows and count(*) walked them all for every challenge.
-- Triggers keep it in the same transaction as every insert and delete.
CREATE TABLE app_challenge_count (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    n    INTEGER NOT NULL CHECK (n >= 0)
) STRICT;
INSERT INTO app_challenge_count (id, n) SELECT 1, count(*) FROM app_challenges;
CREATE TRIGGER app_challenges_counted_in AFTER INSERT ON app_challenges
BEGIN
    UPDATE app_challenge_count SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER app_challenges_counted_out AFTER DELETE ON app_challenges
BEGIN
    UPDATE app_challenge_count SET n = n - 1 WHERE id = 1;
END;
"#,
    ),
];

/// The schema version this build expects.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(0);
    }
    Ok(conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0))
}

/// Applies every migration newer than the database's in one writer transaction
/// that reads the version inside it, so processes opening a fresh database at
/// once apply each migration exactly once (no "table already exists").
pub(crate) fn apply(conn: &mut Connection, now: &str) -> Result<Vec<i64>, StoreError> {
    let newer = |current: i64| {
        if current > latest() {
            Err(StoreError::Corrupt {
                what: format!(
                    "database schema version {current} is newer than this build ({})",
                    latest()
                ),
            })
        } else {
            Ok(current)
        }
    };
    if newer(current_version(conn)?)? == latest() {
        return Ok(Vec::new());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         ) STRICT;",
    )?;
    let current = newer(current_version(&tx)?)?;
    let mut applied = Vec::new();
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, description, now],
        )?;
        applied.push(*version);
    }
    tx.commit()?;
    Ok(applied)
}

#[cfg(test)]
mod tests;
