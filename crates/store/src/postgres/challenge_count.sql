-- How many of the app's challenges are kept (as SQLite's migration 15), so that
-- issuing one checks the limit without count(*) over the table (challenges are
-- kept ten minutes, consumed or not: hundreds of thousands of rows at the
-- app's rate). Statement triggers with transition tables add each statement's
-- inserted and deleted rows in the same transaction. The one row is also the
-- lock that lets one issuer at a time check the limit (SELECT ... FOR UPDATE),
-- in place of locking the whole table.
CREATE TABLE app_challenge_count (
    id   smallint PRIMARY KEY CHECK (id = 1),
    n    bigint  NOT NULL CHECK (n >= 0)
);
INSERT INTO app_challenge_count (id, n) SELECT 1, count(*) FROM app_challenges;

CREATE FUNCTION vrs_app_challenges_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE app_challenge_count SET n = n + (SELECT count(*) FROM added) WHERE id = 1;
    ELSE
        UPDATE app_challenge_count SET n = n - (SELECT count(*) FROM gone) WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER app_challenges_counted_in AFTER INSERT ON app_challenges
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION vrs_app_challenges_counted();
CREATE TRIGGER app_challenges_counted_out AFTER DELETE ON app_challenges
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION vrs_app_challenges_counted();

ALTER TABLE app_challenge_count ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_challenge_count FORCE ROW LEVEL SECURITY;
CREATE POLICY national ON app_challenge_count USING (vrs_national()) WITH CHECK (vrs_national());
