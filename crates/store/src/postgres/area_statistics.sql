-- vrs on PostgreSQL, schema version 10: the planner's statistics learn a
-- municipality when its first rows land in a partition.
--
-- Each partition holds many municipalities (1,741 over 32 partitions). When
-- a municipality's rows land in a partition whose statistics were gathered
-- before (autovacuum's threshold is 10 % of the partition, so adding one
-- municipality of fifty rarely triggers it), the planner believes
-- `municipality = m` matches almost no row. Every index that leads with the
-- municipality then looks as good as the primary key, and it may pick one
-- that walks all of m's rows for a one-row lookup: the foreign-key check of
-- each dose inserted (doses -> residents) walked the whole municipality's
-- residents through residents_by_birth, and the dose upload slowed from
-- 0.5 s to 6-12 s per municipality's file. Cached plans of long-lived
-- connections (the foreign key's check is planned once per connection) keep
-- the choice until the table's statistics change.
--
-- vrs_know_area(table, m) analyses the municipality column of the partition
-- of `table` that holds m, when m is not among that column's most common
-- values (the partition never analysed, or analysed before m arrived). It is
-- called in the importing transaction after m's rows are in (ANALYZE counts
-- the transaction's own rows), so the statistics commit with them. ANALYZE
-- needs the table's owner, and the application role owns nothing: this is
-- the second function running with the owner's rights (SECURITY DEFINER,
-- search_path fixed to this schema with pg_temp last, EXECUTE for vrs_app
-- only). It reads and returns no row: only whether it analysed. It accepts
-- only the two tables bulk loads write, and analyses only a partition whose
-- statistics do not know m, so a caller can make it work at most once per
-- municipality and partition between two analyses.

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
    SELECT m = ANY (s.most_common_vals::text::integer[]) INTO known
    FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename
    WHERE c.oid = part AND s.schemaname = current_schema() AND s.attname = 'municipality';
    IF coalesce(known, false) THEN
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
