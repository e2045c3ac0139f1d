-- vrs on PostgreSQL, schema version 6: the first load of an empty residents
-- partition builds its indexes after the load.
--
-- Keeping four B-tree indexes up to date row by row is most of a resident
-- import's time; building them once, sorted, after the rows are in is several
-- times cheaper. PostgreSQL cannot switch a partition's indexes off, but a
-- detached partition is a plain table whose indexes can be dropped, and
-- ATTACH PARTITION builds the parent's missing indexes (and their PRIMARY KEY
-- and UNIQUE constraints) on it in one sorted pass each.
--
-- The application role owns nothing and cannot detach, drop or attach, so
-- this one narrow function does it as the schema's owner (SECURITY DEFINER,
-- its search_path fixed to this schema with pg_temp last, EXECUTE for vrs_app
-- only). It never widens what row-level security lets the caller do:
--   * it writes only rows of the caller's own area (vrs_area()), the rows the
--     policy's WITH CHECK would admit, read from the caller's own staging
--     table (pg_temp.resident_stage, owned by the caller);
--   * it writes only into a partition that holds no row of any municipality
--     (checked under ACCESS EXCLUSIVE on residents, which stops every
--     concurrent reader and writer), so it can neither overwrite nor reveal
--     another area's rows: the one thing it tells the caller is whether the
--     partition was empty (NULL when it was not, and nothing happened);
--   * it keeps the partition's name, owner, grants (none: every access goes
--     through the parent) and bound; DETACH drops the partition's cloned
--     foreign-key rows and triggers, ATTACH clones them again.
-- Everything runs in the caller's transaction: a failure (a value repeated in
-- the file makes the unique index build fail with unique_violation) rolls it
-- all back and leaves the partition attached with its indexes as before.
--
-- Locks: ACCESS EXCLUSIVE on residents (all partitions) and on the tables
-- that reference it (resident_history, doses), taken up front in that order
-- and held to the end of the caller's transaction. This is the initial-load
-- path: every other import (a partition already holding rows of any
-- municipality) goes the usual way with the usual row locks.

-- The partition of residents that holds municipality m (by the hash bound).
CREATE FUNCTION vrs_residents_partition(m integer) RETURNS regclass
    LANGUAGE sql STABLE AS $$
    SELECT c.oid::regclass
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                    'modulus (\d+), remainder (\d+)') b
    WHERE i.inhparent = 'residents'::regclass
      AND satisfies_hash_partition('residents'::regclass, b[1]::integer, b[2]::integer, m)
$$;

-- Loads pg_temp.resident_stage into the caller's area when the area's whole
-- partition is empty; returns the rows loaded, or NULL (nothing done) when
-- the partition holds any row.
CREATE FUNCTION vrs_residents_first_load(p_batch bigint) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    m integer := vrs_area();
    part regclass;
    bound text;
    held boolean;
    loaded bigint;
    r record;
BEGIN
    IF m IS NULL OR vrs_national() THEN
        RAISE EXCEPTION 'a first load needs one municipality''s area'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    part := vrs_residents_partition(m);
    IF part IS NULL THEN
        RAISE EXCEPTION 'no residents partition holds municipality %', m;
    END IF;
    -- A cheap look first, so that an import into a partition already in use
    -- never takes the exclusive lock.
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', part) INTO held;
    IF held THEN
        RETURN NULL;
    END IF;
    LOCK TABLE residents, resident_history, doses IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', part) INTO held;
    IF held THEN
        RETURN NULL;
    END IF;
    SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound FROM pg_class c WHERE c.oid = part;
    EXECUTE format('ALTER TABLE residents DETACH PARTITION %s', part);
    -- The detached table keeps the partition's indexes as its own: drop them
    -- (the constraints first: each owns its index).
    FOR r IN SELECT conname FROM pg_constraint
             WHERE conrelid = part AND contype IN ('p', 'u', 'x') LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', part, r.conname);
    END LOOP;
    FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index WHERE indrelid = part LOOP
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
    EXECUTE format(
        'INSERT INTO %s (municipality, address_number, my_number_index, my_number_sealed,
             ticket_number, name, name_kana, birth_date, sex, import_batch,
             previous_municipality, moved_in_on)
         SELECT $1, address_number, my_number_index, my_number_sealed, ticket_number,
             name, name_kana, birth_date, sex, $2, previous_municipality, moved_in_on
         FROM pg_temp.resident_stage', part)
        USING m, p_batch;
    GET DIAGNOSTICS loaded = ROW_COUNT;
    -- Builds the parent's indexes and constraints on the partition, checks
    -- the bound and clones the foreign keys that reference residents.
    EXECUTE format('ALTER TABLE residents ATTACH PARTITION %s %s', part, bound);
    RETURN loaded;
END $$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION vrs_residents_first_load(bigint) SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION vrs_residents_partition(integer) SET search_path = %I, pg_temp',
                   current_schema());
END $$;
REVOKE EXECUTE ON FUNCTION vrs_residents_first_load(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vrs_residents_first_load(bigint) TO vrs_app;
