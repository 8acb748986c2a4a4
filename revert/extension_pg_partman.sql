-- Revert animus:extension_pg_partman from pg
-- Drops pg_partman only when this change created it and it manages no partition set any more:
-- a partitioned queue that outlives the revert still needs its maintenance.
BEGIN;

DO $$
DECLARE
    managed bigint;
BEGIN
    IF obj_description('partman'::regnamespace, 'pg_namespace')
       IS DISTINCT FROM 'pg_partman, created by animus (extension_pg_partman)' THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT count(*) FROM partman.part_config' INTO managed;
    IF managed > 0 THEN
        RAISE NOTICE 'pg_partman kept: it still manages % partition sets (partitioned queues)', managed;
        RETURN;
    END IF;
    DROP EXTENSION pg_partman;
    DROP SCHEMA partman;
EXCEPTION WHEN invalid_schema_name THEN
    NULL;  -- no schema partman: nothing of this change to revert
END
$$;

COMMIT;
