-- Verify animus:function_get_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.get_memory(bigint)');
SELECT 1/has_function_privilege('animus_app', 'animus.get_memory(bigint)', 'EXECUTE')::int;

ROLLBACK;
