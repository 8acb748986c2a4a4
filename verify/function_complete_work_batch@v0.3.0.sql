-- Verify animus:function_complete_work_batch on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.complete_work_batch(jsonb)') AND prosecdef;
SELECT 1/has_function_privilege('animus_app', 'animus.complete_work_batch(jsonb)', 'EXECUTE')::int;

ROLLBACK;
