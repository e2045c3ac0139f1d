-- Two coarser sums of dose_counts (as SQLite's migration 14), so that national
-- statistics read the smallest table that holds the keys and filters asked:
-- without the date (questions by municipality, dose, vaccine or age band) and
-- without the age band (questions by date). Triggers on dose_counts keep them
-- in the same transaction as every change of a cell, whichever code path
-- writes it (one row, or a set-based INSERT ... SELECT ... ON CONFLICT); they
-- run as the caller, so row-level security binds their writes too. A cell's
-- keys never change (only its n does).
CREATE TABLE dose_counts_by_band (
    municipality integer  NOT NULL,
    dose_number  smallint NOT NULL,
    product      text     NOT NULL,
    age_band     text     NOT NULL,
    n            bigint   NOT NULL,
    PRIMARY KEY (municipality, dose_number, product, age_band)
) PARTITION BY HASH (municipality);
CREATE TABLE dose_counts_by_date (
    municipality integer  NOT NULL,
    date         text     NOT NULL,
    dose_number  smallint NOT NULL,
    product      text     NOT NULL,
    n            bigint   NOT NULL,
    PRIMARY KEY (municipality, date, dose_number, product)
) PARTITION BY HASH (municipality);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['dose_counts_by_band', 'dose_counts_by_date'] LOOP
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

-- The backfill reads and writes every area (row-level security binds the
-- schema's owner too): the national path, for this migration's transaction.
SELECT set_config('app.scope', 'national', true);
INSERT INTO dose_counts_by_band (municipality, dose_number, product, age_band, n)
    SELECT municipality, dose_number, product, age_band, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;
INSERT INTO dose_counts_by_date (municipality, date, dose_number, product, n)
    SELECT municipality, date, dose_number, product, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;

-- Statement triggers with transition tables: one set-based write per statement
-- of dose_counts (a single registration's upsert, or a whole import's INSERT ...
-- SELECT), its changes summed per rollup cell and applied in key order (so
-- concurrent writers lock the rollups' rows in one order).
CREATE FUNCTION vrs_dose_counts_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dose_counts_by_band AS r (municipality, dose_number, product, age_band, n)
            SELECT municipality, dose_number, product, age_band, sum(n) FROM new_rows
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, dose_number, product, age_band)
            DO UPDATE SET n = r.n + excluded.n;
        INSERT INTO dose_counts_by_date AS r (municipality, date, dose_number, product, n)
            SELECT municipality, date, dose_number, product, sum(n) FROM new_rows
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, date, dose_number, product)
            DO UPDATE SET n = r.n + excluded.n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dose_counts_by_band AS r (municipality, dose_number, product, age_band, n)
            SELECT municipality, dose_number, product, age_band, sum(n) FROM (SELECT municipality, date, dose_number, product, age_band, n FROM new_rows UNION ALL SELECT municipality, date, dose_number, product, age_band, -n FROM old_rows) AS c
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, dose_number, product, age_band)
            DO UPDATE SET n = r.n + excluded.n;
        INSERT INTO dose_counts_by_date AS r (municipality, date, dose_number, product, n)
            SELECT municipality, date, dose_number, product, sum(n) FROM (SELECT municipality, date, dose_number, product, age_band, n FROM new_rows UNION ALL SELECT municipality, date, dose_number, product, age_band, -n FROM old_rows) AS c
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, date, dose_number, product)
            DO UPDATE SET n = r.n + excluded.n;
    ELSE
        INSERT INTO dose_counts_by_band AS r (municipality, dose_number, product, age_band, n)
            SELECT municipality, dose_number, product, age_band, sum(n) FROM (SELECT municipality, date, dose_number, product, age_band, -n AS n FROM old_rows) AS c
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, dose_number, product, age_band)
            DO UPDATE SET n = r.n + excluded.n;
        INSERT INTO dose_counts_by_date AS r (municipality, date, dose_number, product, n)
            SELECT municipality, date, dose_number, product, sum(n) FROM (SELECT municipality, date, dose_number, product, age_band, -n AS n FROM old_rows) AS c
            GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (municipality, date, dose_number, product)
            DO UPDATE SET n = r.n + excluded.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dose_counts_rollup_insert AFTER INSERT ON dose_counts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vrs_dose_counts_rollup();
CREATE TRIGGER dose_counts_rollup_update AFTER UPDATE ON dose_counts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vrs_dose_counts_rollup();
CREATE TRIGGER dose_counts_rollup_delete AFTER DELETE ON dose_counts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vrs_dose_counts_rollup();

-- The rollups sum a cell under its keys: they never change (the store adds to n).
CREATE FUNCTION vrs_dose_counts_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a dose count''s keys never change: add to n';
END $$;
CREATE TRIGGER dose_counts_keys_fixed
    BEFORE UPDATE OF municipality, date, dose_number, product, age_band ON dose_counts
    FOR EACH ROW EXECUTE FUNCTION vrs_dose_counts_keys_fixed();
