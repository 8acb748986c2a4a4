-- Verify animus:function_deployed_changes on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.deployed_changes()');
DO $$ BEGIN
    ASSERT has_function_privilege('animus_app', 'animus.deployed_changes()', 'EXECUTE'),
        'animus_app cannot execute animus.deployed_changes()';
END $$;

ROLLBACK;
