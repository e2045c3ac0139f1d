-- vrs on PostgreSQL, schema version 3: users, sessions, devices, enrolment
-- codes and the app's challenges (as SQLite's migrations 8 and 10). Secrets
-- only as on SQLite: argon2id password hashes, TOTP secrets sealed under the
-- keyring's data key, SHA-256 of every token, code and nonce.
--
-- A municipality's users, sessions and devices carry `municipality` and are
-- hash-partitioned by it (32, like every other table) with the same two
-- policies; a user without an area (prefecture, national, operator) has
-- municipality 0, which only the national scope sees. Signing in comes before
-- any area is known (a login or a bearer token names no municipality), so the
-- store reads and writes those rows in the national scope, as on SQLite where
-- the whole table is read; every other use runs in its area.

-- Logins are unique in the whole country; a unique key of a partitioned
-- table must hold its partition key, so this small directory (no secret, no
-- personal data) keeps each login once. A municipality adds its users in its
-- own area: its policy admits its own rows, and the primary key still refuses
-- a login taken in another area (a unique check ignores row-level security).
CREATE TABLE user_logins (
    login        text    PRIMARY KEY,
    municipality integer NOT NULL
);
CREATE POLICY own_area ON user_logins USING (municipality = vrs_area())
    WITH CHECK (municipality = vrs_area());

CREATE TABLE users (
    id                bigserial,
    login             text     NOT NULL,
    principal         text     NOT NULL,
    municipality      integer  NOT NULL,
    role              text     NOT NULL CHECK (role IN ('admin', 'clerk', 'viewer')),
    my_number_handler boolean  NOT NULL,
    password_hash     text     NOT NULL,
    totp_sealed       bytea,
    totp_last_step    bigint,
    disabled          boolean  NOT NULL DEFAULT false,
    failed_logins     bigint   NOT NULL DEFAULT 0,
    locked_until      bigint,
    created_at        bigint   NOT NULL,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, login)
) PARTITION BY HASH (municipality);
CREATE INDEX users_by_login ON users (login);

CREATE TABLE sessions (
    municipality integer NOT NULL,
    token_hash   bytea   NOT NULL CHECK (length(token_hash) = 32),
    user_id      bigint  NOT NULL,
    created_at   bigint  NOT NULL,
    last_seen    bigint  NOT NULL,
    expires_at   bigint  NOT NULL,
    revoked      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (municipality, token_hash),
    FOREIGN KEY (municipality, user_id) REFERENCES users (municipality, id)
) PARTITION BY HASH (municipality);
CREATE INDEX sessions_by_token ON sessions (token_hash);
CREATE INDEX sessions_by_user ON sessions (municipality, user_id);

CREATE TABLE devices (
    id           bigserial,
    municipality integer NOT NULL,
    name         text    NOT NULL,
    token_hash   bytea   NOT NULL CHECK (length(token_hash) = 32),
    created_at   bigint  NOT NULL,
    revoked_at   bigint,
    PRIMARY KEY (municipality, id),
    UNIQUE (municipality, token_hash)
) PARTITION BY HASH (municipality);
CREATE INDEX devices_by_token ON devices (token_hash);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'sessions', 'devices'] LOOP
        FOR i IN 0..31 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 32, REMAINDER %s)',
                           t || '_p' || i, t, i);
        END LOOP;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_area ON %I USING (municipality = vrs_area()) WITH CHECK (municipality = vrs_area())', t);
        EXECUTE format('CREATE POLICY national ON %I USING (vrs_national()) WITH CHECK (vrs_national())', t);
    END LOOP;
END $$;

-- National tables: the operator issues enrolment codes and redeeming one
-- comes before any sign-in; the app's challenges are anonymous. Only the
-- national scope sees them.
CREATE TABLE enrolments (
    code_hash    bytea   PRIMARY KEY CHECK (length(code_hash) = 32),
    municipality integer NOT NULL,
    created_at   bigint  NOT NULL,
    expires_at   bigint  NOT NULL,
    used_at      bigint
);

CREATE TABLE app_challenges (
    nonce_hash  bytea  PRIMARY KEY CHECK (length(nonce_hash) = 32),
    expires_at  bigint NOT NULL,
    consumed_at bigint
);
CREATE INDEX app_challenges_by_expiry ON app_challenges (expires_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_logins', 'enrolments', 'app_challenges'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY national ON %I USING (vrs_national()) WITH CHECK (vrs_national())', t);
    END LOOP;
END $$;

-- Municipalities erased at the end of their contract (M-13), national. While
-- a row is 'erasing' (only inside the erasure's own transaction, which also
-- writes its audit event), the append-only guard admits deleting that
-- municipality's rows of the histories: the one guarded path, as on SQLite.
-- The audit log never admits it (its events hold no plaintext personal data
-- and stay for the retention period).
CREATE TABLE erasures (
    municipality integer PRIMARY KEY,
    state        text    NOT NULL CHECK (state IN ('erasing', 'erased')),
    at           text    NOT NULL,
    audit_seq    bigint  NOT NULL
);
ALTER TABLE erasures ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasures FORCE ROW LEVEL SECURITY;
CREATE POLICY national ON erasures USING (vrs_national()) WITH CHECK (vrs_national());

CREATE OR REPLACE FUNCTION vrs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_TABLE_NAME is the partition's name (audit_log_p7) for a row trigger.
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME NOT LIKE 'audit%' AND EXISTS (
        SELECT 1 FROM erasures WHERE municipality = OLD.municipality AND state = 'erasing'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- Each municipality's certificate signing keys (T1-4-2), as SQLite's: the
-- private key only sealed under the keyring (with the municipality's key);
-- retiring a key destroys it while its public key stays published. The
-- revocation-id secret, sealed; the revocation lists, per key. All three
-- are a municipality's, partitioned and scoped like every other such table.
CREATE TABLE issuer_keys (
    municipality   integer NOT NULL,
    kid            text    NOT NULL,
    public_jwk     text    NOT NULL,
    sealed_private bytea,
    created_at     text    NOT NULL,
    retired_at     text,
    audit_seq      bigint  NOT NULL,
    PRIMARY KEY (municipality, kid),
    CHECK ((retired_at IS NULL) = (sealed_private IS NOT NULL))
) PARTITION BY HASH (municipality);
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (municipality) WHERE retired_at IS NULL;
CREATE INDEX issuer_keys_by_kid ON issuer_keys (kid);

CREATE TABLE revocation_secrets (
    municipality integer PRIMARY KEY,
    sealed       bytea   NOT NULL
) PARTITION BY HASH (municipality);

CREATE TABLE revocations (
    municipality integer NOT NULL,
    kid          text    NOT NULL,
    rid          text    NOT NULL,
    revoked_at   text    NOT NULL,
    reason       text    NOT NULL,
    audit_seq    bigint  NOT NULL,
    PRIMARY KEY (municipality, kid, rid)
) PARTITION BY HASH (municipality);
CREATE INDEX revocations_by_kid ON revocations (kid, rid);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['issuer_keys', 'revocation_secrets', 'revocations'] LOOP
        FOR i IN 0..31 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 32, REMAINDER %s)',
                           t || '_p' || i, t, i);
        END LOOP;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_area ON %I USING (municipality = vrs_area()) WITH CHECK (municipality = vrs_area())', t);
        EXECUTE format('CREATE POLICY national ON %I USING (vrs_national()) WITH CHECK (vrs_national())', t);
    END LOOP;
END $$;

-- Doses are never deleted but by an erasure (M-13): the same guard as the
-- histories' (this replaces the records' version when that is installed).
CREATE OR REPLACE FUNCTION vrs_doses_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM erasures WHERE municipality = OLD.municipality AND state = 'erasing'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'doses are never erased: mark them entered_in_error'
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- The erasure deletes the records' rows too, where the records are installed.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['doses', 'dose_history', 'issuances', 'issuance_doses'] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('GRANT DELETE ON %I TO vrs_app', t);
        END IF;
    END LOOP;
END $$;
