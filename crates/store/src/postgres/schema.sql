-- vrs on PostgreSQL, schema version 1. Run by the store (as the schema's
-- owner) with search_path set to vrs's schema. Every table of personal data
-- or audit carries its municipality code (the audit log: its chain, 0 for the
-- operator's) and is HASH-partitioned by it into 32 partitions: the one
-- column Citus would distribute by, every table co-located on it (T1-4-3).
-- Tables with no personal data and no municipality (settings, emergency
-- stops) are small and global (Citus reference tables).

CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- The area of this transaction (set by the store per transaction with
-- set_config(..., true)), and whether it is an operator/national one.
CREATE FUNCTION vrs_area() RETURNS integer LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.municipality', true), '')::integer $$;
CREATE FUNCTION vrs_national() RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('app.scope', true) = 'national', false) $$;

CREATE FUNCTION vrs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- Residents (D12-1): the My Number only sealed (AES-256-GCM under the
-- municipality's key) and as a blind index (HMAC-SHA256 under its index key).
CREATE TABLE residents (
    municipality          integer NOT NULL,
    address_number        text    NOT NULL,
    my_number_index       bytea   NOT NULL CHECK (length(my_number_index) = 32),
    my_number_sealed      bytea   NOT NULL,
    ticket_number         bigint  NOT NULL,
    name                  text    NOT NULL,
    name_kana             text    NOT NULL,
    birth_date            text    NOT NULL,
    sex                   smallint NOT NULL CHECK (sex IN (1, 2, 9)),
    import_batch          bigint  NOT NULL,
    previous_municipality integer,
    moved_in_on           text,
    PRIMARY KEY (municipality, address_number),
    UNIQUE (municipality, my_number_index),
    UNIQUE (municipality, ticket_number)
) PARTITION BY HASH (municipality);

CREATE TABLE resident_history (
    id                    bigserial,
    municipality          integer NOT NULL,
    address_number        text    NOT NULL,
    replaced_by_batch     bigint  NOT NULL,
    my_number_index       bytea   NOT NULL,
    my_number_sealed      bytea   NOT NULL,
    ticket_number         bigint  NOT NULL,
    name                  text    NOT NULL,
    name_kana             text    NOT NULL,
    birth_date            text    NOT NULL,
    sex                   smallint NOT NULL,
    import_batch          bigint  NOT NULL,
    previous_municipality integer,
    moved_in_on           text,
    PRIMARY KEY (municipality, id),
    FOREIGN KEY (municipality, address_number) REFERENCES residents (municipality, address_number)
) PARTITION BY HASH (municipality);

-- Consents (N-2, T1-2-3) and their history.
CREATE TABLE consents (
    municipality   integer NOT NULL,
    document       text    NOT NULL,
    effective_from text    NOT NULL,
    approved_by    text,
    recorded_at    text    NOT NULL,
    audit_seq      bigint  NOT NULL,
    PRIMARY KEY (municipality, document)
) PARTITION BY HASH (municipality);

CREATE TABLE consent_history (
    id             bigserial,
    municipality   integer NOT NULL,
    document       text    NOT NULL,
    change         text    NOT NULL CHECK (change IN ('grant', 'revoke')),
    effective_from text,
    approved_by    text,
    recorded_at    text    NOT NULL,
    audit_seq      bigint  NOT NULL,
    PRIMARY KEY (municipality, id)
) PARTITION BY HASH (municipality);

-- Emergency stops (T1-10): national, no personal data.
CREATE TABLE emergency_stops (
    function   text   PRIMARY KEY,
    reason     text   NOT NULL,
    stopped_at text   NOT NULL,
    audit_seq  bigint NOT NULL
);

CREATE TABLE emergency_history (
    id        bigserial PRIMARY KEY,
    function  text   NOT NULL,
    change    text   NOT NULL CHECK (change IN ('stop', 'resume')),
    reason    text,
    at        text   NOT NULL,
    audit_seq bigint NOT NULL
);

-- The audit log (S-1-3-3, S-3-3): one hash chain per municipality and the
-- operator's (chain 0), each link as in SQLite (the same hashes and MACs);
-- seq is global, from a sequence, so no row is shared by all writers.
CREATE SEQUENCE audit_seq;
CREATE TABLE audit_log (
    seq          bigint  NOT NULL,
    chain        integer NOT NULL,
    chain_seq    bigint  NOT NULL,
    prev_seq     bigint  NOT NULL,
    at           text    NOT NULL,
    principal    text    NOT NULL,
    action       text    NOT NULL,
    municipality integer,
    subject      bytea,
    outcome      text    NOT NULL,
    grounds      text    NOT NULL,
    detail       text    NOT NULL,
    prev         bytea   NOT NULL,
    mac          bytea   NOT NULL,
    hash         bytea   NOT NULL,
    actor        text,
    PRIMARY KEY (chain, chain_seq),
    UNIQUE (chain, seq)
) PARTITION BY HASH (chain);

CREATE TABLE audit_heads (
    chain     integer PRIMARY KEY,
    chain_seq bigint  NOT NULL,
    seq       bigint  NOT NULL,
    hash      bytea   NOT NULL,
    head_mac  bytea   NOT NULL
) PARTITION BY HASH (chain);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['residents', 'resident_history', 'consents', 'consent_history',
                             'audit_log', 'audit_heads'] LOOP
        FOR i IN 0..31 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 32, REMAINDER %s)',
                           t || '_p' || i, t, i);
        END LOOP;
    END LOOP;
END $$;

-- Append-only (as the SQLite triggers): the audit log and the histories.
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION vrs_append_only();
CREATE TRIGGER resident_history_append_only BEFORE UPDATE OR DELETE ON resident_history
    FOR EACH ROW EXECUTE FUNCTION vrs_append_only();
CREATE TRIGGER consent_history_append_only BEFORE UPDATE OR DELETE ON consent_history
    FOR EACH ROW EXECUTE FUNCTION vrs_append_only();

-- Row-level security, defence in depth under the application's own checks:
-- a transaction sees and writes only its area's rows (app.municipality), or
-- every area on an operator/national path (app.scope = 'national').
-- FORCE: the policies bind the owner too; the application runs as vrs_app.
DO $$
DECLARE
    t text;
    col text;
BEGIN
    FOREACH t IN ARRAY ARRAY['residents', 'resident_history', 'consents', 'consent_history',
                             'audit_log', 'audit_heads'] LOOP
        col := CASE WHEN t LIKE 'audit%' THEN 'chain' ELSE 'municipality' END;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_area ON %I USING (%I = vrs_area()) WITH CHECK (%I = vrs_area())',
                       t, col, col);
        EXECUTE format('CREATE POLICY national ON %I USING (vrs_national()) WITH CHECK (vrs_national())', t);
    END LOOP;
END $$;
