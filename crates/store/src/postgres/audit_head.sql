-- vrs on PostgreSQL, schema version 4: an audited use case appends its event
-- in fewer round trips. vrs_audit_head takes the chain's transaction-scoped
-- advisory lock (one writer per chain at a time, as before), then reads the
-- chain's head and draws the event's global sequence number, all in one call
-- that a use case can fold into its own first query. Volatile: its query of
-- the head takes a snapshot after the lock is held (READ COMMITTED), so it
-- sees the head the previous writer committed. The hashes and MACs are still
-- computed by the store (the keys never reach the database), so the chains
-- and their verification are unchanged. Security invoker: row-level security
-- binds it as it binds the application's own statements.
CREATE FUNCTION vrs_audit_head(p_chain integer, p_next boolean)
    RETURNS TABLE (head_chain_seq bigint, head_seq bigint, head_hash bytea, next_seq bigint)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1447, p_chain);
    SELECT h.chain_seq, h.seq, h.hash INTO head_chain_seq, head_seq, head_hash
        FROM audit_heads h WHERE h.chain = p_chain;
    IF p_next THEN
        next_seq := nextval('audit_seq');
    END IF;
    RETURN NEXT;
END $$;
