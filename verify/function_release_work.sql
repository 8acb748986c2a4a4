-- Verify animus:function_release_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.release_work(uuid, text, integer, integer)') AND prosecdef;
SELECT 1/has_function_privilege('animus_app', 'animus.release_work(uuid, text, integer, integer)', 'EXECUTE')::int;

ROLLBACK;
