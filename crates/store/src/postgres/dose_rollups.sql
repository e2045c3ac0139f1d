-- Two coarser sums of dose_counts (as SQLite's migration 14), so that national
-- statistics read the smallest table that holds the keys and filters asked:
-- without the date (questions by municipality, dose, vaccine or age band) and
-- without the age band (questions by date). Row triggers on dose_counts keep
-- them in the same transaction as every change of a cell, whichever code path
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

INSERT INTO dose_counts_by_band (municipality, dose_number, product, age_band, n)
    SELECT municipality, dose_number, product, age_band, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;
INSERT INTO dose_counts_by_date (municipality, date, dose_number, product, n)
    SELECT municipality, date, dose_number, product, sum(n) FROM dose_counts
    GROUP BY 1, 2, 3, 4;

-- Adds `delta` to the two sums of the cell (m, d, k, p, b).
CREATE FUNCTION vrs_dose_rollup(m integer, d text, k smallint, p text, b text, delta bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dose_counts_by_band AS r (municipality, dose_number, product, age_band, n)
        VALUES (m, k, p, b, delta)
        ON CONFLICT (municipality, dose_number, product, age_band) DO UPDATE SET n = r.n + excluded.n;
    INSERT INTO dose_counts_by_date AS r (municipality, date, dose_number, product, n)
        VALUES (m, d, k, p, delta)
        ON CONFLICT (municipality, date, dose_number, product) DO UPDATE SET n = r.n + excluded.n;
$$;

CREATE FUNCTION vrs_dose_counts_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM vrs_dose_rollup(NEW.municipality, NEW.date, NEW.dose_number, NEW.product,
                                NEW.age_band, NEW.n);
    ELSIF TG_OP = 'UPDATE' THEN
        IF (NEW.municipality, NEW.date, NEW.dose_number, NEW.product, NEW.age_band)
           IS DISTINCT FROM
           (OLD.municipality, OLD.date, OLD.dose_number, OLD.product, OLD.age_band) THEN
            RAISE EXCEPTION 'a dose count''s keys never change: add to n';
        END IF;
        IF NEW.n <> OLD.n THEN
            PERFORM vrs_dose_rollup(NEW.municipality, NEW.date, NEW.dose_number, NEW.product,
                                    NEW.age_band, NEW.n - OLD.n);
        END IF;
    ELSE
        PERFORM vrs_dose_rollup(OLD.municipality, OLD.date, OLD.dose_number, OLD.product,
                                OLD.age_band, -OLD.n);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER dose_counts_rollup AFTER INSERT OR UPDATE OR DELETE ON dose_counts
    FOR EACH ROW EXECUTE FUNCTION vrs_dose_counts_rollup();
