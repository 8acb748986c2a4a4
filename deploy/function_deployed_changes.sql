-- Deploy animus:function_deployed_changes to pg
-- Clients check at connect that the database has every change they call. Agents have no
-- privilege on Sqitch's registry, so this definer function reads it for them.
BEGIN;

CREATE FUNCTION animus.deployed_changes() RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- The registry is absent when the schema was installed without Sqitch: report nothing.
    IF to_regclass('sqitch.changes') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT change FROM sqitch.changes WHERE project = $1 ORDER BY committed_at'
        USING 'animus';
END
$$;

COMMENT ON FUNCTION animus.deployed_changes() IS
    'The Sqitch changes of project animus deployed in this database, oldest first (empty when '
    'the registry schema sqitch is absent). Clients compare it with the changes they need. '
    'Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus.deployed_changes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.deployed_changes() TO animus_app, animus_ops;

COMMIT;
