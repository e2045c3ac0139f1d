-- vrs on PostgreSQL, schema version 10: no planner statistics on the
-- municipality column of the tables partitioned by it.
--
-- Each partition holds many municipalities (1,741 over 32 partitions). When
-- a municipality's rows land in a partition whose statistics were gathered
-- before it came (autovacuum's threshold is 10 % of the partition, so one
-- municipality of fifty rarely triggers it), the planner believes
-- `municipality = m` matches almost no row. Every index that leads with the
-- municipality then looks as good as the primary key, and it may pick one
-- that walks all of m's rows for a one-row lookup: the foreign-key check of
-- each dose inserted (doses -> residents) walked the whole municipality's
-- residents through residents_by_birth, and the national dose upload slowed
-- from 0.5 s to 6-12 s per municipality's file. Cached plans of long-lived
-- connections (the foreign key's check is planned once per connection) keep
-- the choice until the table's statistics change.
--
-- Without statistics on the column the planner takes `municipality = m` to
-- match 1/200 of the partition (its default), whichever m: a few thousand
-- rows, the right order for a partition of some fifty municipalities, so a
-- unique index with every column bound always wins a one-row lookup, and no
-- ANALYZE (ours or autovacuum's) can make a newcomer look empty. The column
-- gets statistics target 0 on every such table and partition.
--
-- A partition already analysed before this version keeps statistics on the
-- column that only a superuser could delete, and an ANALYZE at target 0
-- would never refresh them. Those partitions keep the default target, and
-- vrs_know_area(table, m), called by every bulk load in its transaction once
-- m's rows are in, analyses the column when m is missing from its most
-- common values (ANALYZE counts the transaction's own rows). ANALYZE needs
-- the table's owner and the application role owns nothing: this is the
-- second function running with the owner's rights (SECURITY DEFINER,
-- search_path fixed to this schema with pg_temp last, EXECUTE for vrs_app
-- only). It reads and returns no row, only whether it analysed; it takes
-- only the two tables bulk loads write; it does nothing on a partition
-- without statistics on the column (every partition of a database made at
-- this version), and at most one ANALYZE per municipality and partition
-- between two analyses on the others.

DO $$
DECLARE
    t regclass;
    p regclass;
BEGIN
    FOR t IN SELECT pt.partrelid::regclass
             FROM pg_partitioned_table pt
             JOIN pg_class c ON c.oid = pt.partrelid
             JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
             WHERE c.relnamespace = current_schema()::regnamespace
               AND a.attname = 'municipality'
    LOOP
        EXECUTE format('ALTER TABLE ONLY %s ALTER COLUMN municipality SET STATISTICS 0', t);
        FOR p IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = t LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename
                           WHERE c.oid = p AND s.schemaname = current_schema()
                             AND s.attname = 'municipality') THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN municipality SET STATISTICS 0', p);
            END IF;
        END LOOP;
    END LOOP;
END $$;

CREATE FUNCTION vrs_know_area(tbl text, m integer) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    part regclass;
    known boolean;
BEGIN
    IF tbl NOT IN ('residents', 'doses') THEN
        RAISE EXCEPTION 'vrs_know_area takes residents or doses, not %', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Every table is partitioned alike (MODULUS 32): the partition of tbl
    -- with the bound of m's residents partition.
    SELECT c.oid::regclass INTO part
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = tbl::regclass
      AND pg_get_expr(c.relpartbound, c.oid) =
          (SELECT pg_get_expr(r.relpartbound, r.oid) FROM pg_class r
           WHERE r.oid = vrs_residents_partition(m));
    IF part IS NULL THEN
        RAISE EXCEPTION 'no % partition holds municipality %', tbl, m;
    END IF;
    -- No row: no statistics on the column (target 0, or never analysed).
    SELECT coalesce(m = ANY (s.most_common_vals::text::integer[]), false) INTO known
    FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename
    WHERE c.oid = part AND s.schemaname = current_schema() AND s.attname = 'municipality';
    IF known IS NULL OR known THEN
        RETURN false;
    END IF;
    EXECUTE format('ANALYZE %s (municipality)', part);
    RETURN true;
END $$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION vrs_know_area(text, integer) SET search_path = %I, pg_temp',
                   current_schema());
END $$;
REVOKE EXECUTE ON FUNCTION vrs_know_area(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vrs_know_area(text, integer) TO vrs_app;
