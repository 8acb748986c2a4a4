-- Verify animus:function_work_result on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.work_result(uuid)') AND prosecdef;
SELECT 1/has_function_privilege('animus_app', 'animus.work_result(uuid)', 'EXECUTE')::int;

ROLLBACK;
