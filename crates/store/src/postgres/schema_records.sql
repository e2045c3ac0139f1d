-- vrs on PostgreSQL, schema version 2: the records (doses with their history,
-- dose counts for statistics, the issuance history, population denominators)
-- as SQLite's migrations 3, 5, 6, 7 and 11 hold them. Every table of personal
-- data or statistics carries its municipality and is HASH-partitioned by it
-- with the same modulus (32) as version 1, under the same row-level security.
-- No My Number is held here: a dose points at its resident by address number.

-- Resident search (kana name + birth date, SQLite migration 11).
CREATE INDEX residents_by_birth ON residents (municipality, birth_date, name_kana);

-- Dose ids are global (a DoseId is its municipality and this number).
CREATE SEQUENCE dose_id_seq;

-- Doses (D12-2): one row per dose holding its current version; every earlier
-- version is kept in dose_history. age is the person's age on the dose date.
CREATE TABLE doses (
    id                       bigint   NOT NULL DEFAULT nextval('dose_id_seq'),
    municipality             integer  NOT NULL,
    address_number           text     NOT NULL,
    ticket_number            bigint   NOT NULL,
    ticket_kind              smallint NOT NULL,
    ticket_dose_count        smallint NOT NULL,
    dose_number              smallint NOT NULL CHECK (dose_number BETWEEN 1 AND 9),
    date                     text     NOT NULL,
    product                  text     NOT NULL,
    lot                      text     NOT NULL,
    venue                    text,
    doctor                   text,
    vaccinating_municipality integer  NOT NULL,
    age                      integer  NOT NULL,
    registered_at            text     NOT NULL,
    registered_by            text     NOT NULL,
    on_behalf                boolean  NOT NULL,
    status                   text     NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    confirmed                boolean  NOT NULL,
    review                   text,
    version                  integer  NOT NULL,
    changed_at               text     NOT NULL,
    changed_by               text     NOT NULL,
    change                   text     NOT NULL,
    reason                   text,
    carried_from             integer,
    original_dose_number     smallint,
    PRIMARY KEY (municipality, id),
    FOREIGN KEY (municipality, address_number) REFERENCES residents (municipality, address_number)
) PARTITION BY HASH (municipality);
CREATE INDEX doses_by_person ON doses (municipality, address_number, dose_number);
CREATE INDEX doses_in_review ON doses (municipality) WHERE review IS NOT NULL;
CREATE INDEX doses_active_by_number ON doses (municipality, dose_number, address_number, date)
    WHERE status = 'active';

CREATE TABLE dose_history (
    dose_id                  bigint   NOT NULL,
    version                  integer  NOT NULL,
    municipality             integer  NOT NULL,
    address_number           text     NOT NULL,
    ticket_number            bigint   NOT NULL,
    ticket_kind              smallint NOT NULL,
    ticket_dose_count        smallint NOT NULL,
    dose_number              smallint NOT NULL,
    date                     text     NOT NULL,
    product                  text     NOT NULL,
    lot                      text     NOT NULL,
    venue                    text,
    doctor                   text,
    vaccinating_municipality integer  NOT NULL,
    age                      integer  NOT NULL,
    registered_at            text     NOT NULL,
    registered_by            text     NOT NULL,
    on_behalf                boolean  NOT NULL,
    status                   text     NOT NULL,
    confirmed                boolean  NOT NULL,
    review                   text,
    changed_at               text     NOT NULL,
    changed_by               text     NOT NULL,
    change                   text     NOT NULL,
    reason                   text,
    carried_from             integer,
    original_dose_number     smallint,
    PRIMARY KEY (municipality, dose_id, version),
    FOREIGN KEY (municipality, dose_id) REFERENCES doses (municipality, id)
) PARTITION BY HASH (municipality);

-- Lots seen per product (a lot's first use is flagged for a human check):
-- national and no personal data, so global like settings (a Citus reference table).
CREATE TABLE lots (
    product    text NOT NULL,
    lot        text NOT NULL,
    first_seen text NOT NULL,
    PRIMARY KEY (product, lot)
);

-- Active doses counted per municipality, date, dose number, product and age
-- band, kept in the same transaction as every dose change (statistics read it).
CREATE TABLE dose_counts (
    municipality integer  NOT NULL,
    date         text     NOT NULL,
    dose_number  smallint NOT NULL,
    product      text     NOT NULL,
    age_band     text     NOT NULL,
    n            bigint   NOT NULL,
    PRIMARY KEY (municipality, date, dose_number, product, age_band)
) PARTITION BY HASH (municipality);

-- The issuance history (P11-2-1, P11-2-3 fields only; origin: the person's app
-- or a clerk at the counter). kid names an issuer key; the key table is not
-- part of this version, so it is not a foreign key here.
CREATE TABLE issuances (
    certificate_id    text     NOT NULL,
    municipality      integer  NOT NULL,
    kind              text     NOT NULL CHECK (kind IN ('domestic', 'overseas')),
    name              text     NOT NULL,
    birth_date        text     NOT NULL,
    nationality       text,
    passport_number   text,
    origin            text     NOT NULL CHECK (origin IN ('individual', 'counter')),
    with_holders_card boolean  NOT NULL,
    kid               text     NOT NULL,
    rid               text     NOT NULL,
    issued_at         text     NOT NULL,
    revoked_at        text,
    revoked_reason    text,
    audit_seq         bigint   NOT NULL,
    PRIMARY KEY (municipality, certificate_id),
    CHECK ((kind = 'overseas') = (nationality IS NOT NULL AND passport_number IS NOT NULL))
) PARTITION BY HASH (municipality);
CREATE INDEX issuances_by_municipality ON issuances (municipality, issued_at);

-- Which doses each certificate shows (a certificate shows its municipality's doses).
CREATE TABLE issuance_doses (
    municipality   integer NOT NULL,
    certificate_id text    NOT NULL,
    dose_id        bigint  NOT NULL,
    PRIMARY KEY (municipality, certificate_id, dose_id),
    FOREIGN KEY (municipality, certificate_id) REFERENCES issuances (municipality, certificate_id),
    FOREIGN KEY (municipality, dose_id) REFERENCES doses (municipality, id)
) PARTITION BY HASH (municipality);
CREATE INDEX issuance_doses_by_dose ON issuance_doses (municipality, dose_id);

-- The population by ten-year age band: the national release's denominators.
CREATE TABLE population (
    municipality integer NOT NULL,
    age_band     text    NOT NULL,
    n            bigint  NOT NULL CHECK (n >= 0),
    audit_seq    bigint  NOT NULL,
    PRIMARY KEY (municipality, age_band)
) PARTITION BY HASH (municipality);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['doses', 'dose_history', 'dose_counts', 'issuances',
                             'issuance_doses', 'population'] LOOP
        FOR i IN 0..31 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 32, REMAINDER %s)',
                           t || '_p' || i, t, i);
        END LOOP;
    END LOOP;
END $$;

-- Append-only: the dose history; a dose is never deleted (it is marked
-- entered_in_error).
CREATE TRIGGER dose_history_append_only BEFORE UPDATE OR DELETE ON dose_history
    FOR EACH ROW EXECUTE FUNCTION vrs_append_only();
CREATE FUNCTION vrs_doses_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'doses are never erased: mark them entered_in_error'
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER doses_no_delete BEFORE DELETE ON doses
    FOR EACH ROW EXECUTE FUNCTION vrs_doses_kept();

-- Row-level security as version 1's: a transaction sees and writes only its
-- area's rows, or every area on an operator/national path.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['doses', 'dose_history', 'dose_counts', 'issuances',
                             'issuance_doses', 'population'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_area ON %I USING (municipality = vrs_area()) WITH CHECK (municipality = vrs_area())', t);
        EXECUTE format('CREATE POLICY national ON %I USING (vrs_national()) WITH CHECK (vrs_national())', t);
    END LOOP;
END $$;
