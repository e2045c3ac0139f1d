-- vrs on PostgreSQL, schema version 9: the first load of a residents
-- partition that has never held a row goes by COPY straight into the
-- detached partition, without the staging table's second write.
--
-- Version 6's first load COPYs the file into a temporary staging table and
-- then moves every row with INSERT ... SELECT, one heap insert and one WAL
-- record per row. Here the rows are written once, by COPY's batched heap
-- inserts, while the client is still parsing and sealing the file.
--
-- The application role owns nothing and cannot COPY into residents (COPY FROM
-- is refused on a table with row-level security), so two narrow functions do
-- what it cannot, as the schema's owner (SECURITY DEFINER, search_path fixed
-- to this schema with pg_temp last, EXECUTE for vrs_app only):
--   * vrs_residents_first_load_open(batch) takes the caller's own area's
--     partition only when its heap has no page at all (it never held a row
--     version, so no snapshot can see anything in it), under ACCESS
--     EXCLUSIVE on residents, resident_history and doses; detaches it, drops
--     its indexes, gives it a new empty file (TRUNCATE: the COPY then fills
--     pages strictly in order, so a row's place is its position in the file),
--     adds a CHECK that every row is of the caller's area, carries the
--     import's batch number and satisfies the partition's bound, and grants
--     the application role INSERT on it, nothing else. It returns the
--     partition's name, or NULL (nothing done) when the partition is not new.
--   * the caller COPYs the rows into that partition; a row of another area or
--     batch is refused by the CHECK.
--   * vrs_residents_first_load_close() revokes the grant, attaches the
--     partition again (the CHECK implies its bound, so ATTACH does not scan
--     the rows; it builds the four indexes, sorted, and a value repeated
--     within the file makes a unique index build fail with unique_violation)
--     and drops the CHECK.
--   * vrs_residents_first_load_problems(digest) names, by position, each row
--     that repeats an earlier one's address number, My Number (blind index) or
--     ticket number, after checking that the rows are in the order the caller
--     sent them (SHA-256 over their keys); the caller maps positions to lines.
-- A first load opened and not closed cannot commit: a deferred constraint
-- trigger on residents_first_loads fails the COMMIT, so a partition is never
-- left detached or writable by the application role. Everything else is as in
-- version 6: the caller's transaction holds the locks to its end and a
-- failure rolls everything back.
--
-- The partitions' grants are made explicit (owner only, as before): a GRANT
-- and REVOKE pair then leaves a partition's ACL exactly as it found it.

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT i.inhrelid::regclass AS part FROM pg_inherits i
             WHERE i.inhparent = 'residents'::regclass LOOP
        EXECUTE format('REVOKE ALL ON %s FROM vrs_app', r.part);
    END LOOP;
END $$;

-- The first load open in this transaction, if any (at most one per partition).
CREATE TABLE residents_first_loads (
    part         regclass PRIMARY KEY,
    municipality integer  NOT NULL,
    batch        bigint   NOT NULL,
    bound        text     NOT NULL
);

CREATE FUNCTION vrs_residents_first_load_unclosed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM residents_first_loads WHERE part = NEW.part) THEN
        RAISE EXCEPTION 'the first load of % was opened and not closed', NEW.part
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER residents_first_load_closed
    AFTER INSERT ON residents_first_loads
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION vrs_residents_first_load_unclosed();

CREATE FUNCTION vrs_residents_first_load_open(p_batch bigint) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    m integer := vrs_area();
    part regclass;
    bound text;
    implied text;
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
    -- A cheap look first, so that an import into a partition in use never
    -- takes the exclusive lock.
    IF pg_relation_size(part) > 0 THEN
        RETURN NULL;
    END IF;
    LOCK TABLE residents, resident_history, doses IN ACCESS EXCLUSIVE MODE;
    IF pg_relation_size(part) > 0 THEN
        RETURN NULL;
    END IF;
    SELECT pg_get_expr(c.relpartbound, c.oid), pg_get_partition_constraintdef(c.oid)
        INTO bound, implied FROM pg_class c WHERE c.oid = part;
    EXECUTE format('ALTER TABLE residents DETACH PARTITION %s', part);
    FOR r IN SELECT conname FROM pg_constraint
             WHERE conrelid = part AND contype IN ('p', 'u', 'x') LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', part, r.conname);
    END LOOP;
    FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index WHERE indrelid = part LOOP
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
    EXECUTE format('TRUNCATE %s', part);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT vrs_first_load
                        CHECK (municipality = %s AND import_batch = %s AND %s)',
                   part, m, p_batch, implied);
    EXECUTE format('GRANT INSERT ON %s TO vrs_app', part);
    INSERT INTO residents_first_loads (part, municipality, batch, bound)
        VALUES (part, m, p_batch, bound);
    RETURN part::text;
END $$;

CREATE FUNCTION vrs_residents_first_load_close() RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    f residents_first_loads;
BEGIN
    SELECT * INTO f FROM residents_first_loads WHERE municipality = vrs_area();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no first load is open for this area'
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    EXECUTE format('REVOKE INSERT ON %s FROM vrs_app', f.part);
    EXECUTE format('ALTER TABLE residents ATTACH PARTITION %s %s', f.part, f.bound);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT vrs_first_load', f.part);
    DELETE FROM residents_first_loads WHERE part = f.part;
END $$;

CREATE FUNCTION vrs_residents_first_load_problems(p_digest bytea)
    RETURNS TABLE (ordinal bigint, problem text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    f residents_first_loads;
    sent bytea;
BEGIN
    SELECT * INTO f FROM residents_first_loads WHERE municipality = vrs_area();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no first load is open for this area'
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    EXECUTE format(
        'SELECT sha256(coalesce(string_agg(int4send(octet_length(address_number))
                 || convert_to(address_number, ''UTF8'') || int8send(ticket_number)
                 || my_number_index, ''''::bytea ORDER BY ctid), ''''::bytea)) FROM %s', f.part)
        INTO sent;
    IF sent IS DISTINCT FROM p_digest THEN
        RAISE EXCEPTION 'the first load''s rows are not in the order they were sent'
            USING ERRCODE = 'data_corrupted';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT k, CASE WHEN ra > 1 THEN ''address_number''
                        WHEN ri > 1 THEN ''my_number''
                        ELSE ''ticket_number'' END
         FROM (SELECT k,
                   row_number() OVER (PARTITION BY address_number ORDER BY k) AS ra,
                   row_number() OVER (PARTITION BY my_number_index ORDER BY k) AS ri,
                   row_number() OVER (PARTITION BY ticket_number ORDER BY k) AS rt
               FROM (SELECT row_number() OVER (ORDER BY ctid) AS k, address_number,
                         my_number_index, ticket_number FROM %s) o) s
         WHERE ra > 1 OR ri > 1 OR rt > 1 ORDER BY k', f.part);
END $$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION vrs_residents_first_load_open(bigint) SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION vrs_residents_first_load_close() SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION vrs_residents_first_load_problems(bytea) SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION vrs_residents_first_load_unclosed() SET search_path = %I, pg_temp',
                   current_schema());
END $$;
REVOKE EXECUTE ON FUNCTION vrs_residents_first_load_open(bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION vrs_residents_first_load_close() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION vrs_residents_first_load_problems(bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION vrs_residents_first_load_unclosed() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vrs_residents_first_load_open(bigint) TO vrs_app;
GRANT EXECUTE ON FUNCTION vrs_residents_first_load_close() TO vrs_app;
GRANT EXECUTE ON FUNCTION vrs_residents_first_load_problems(bytea) TO vrs_app;
