-- Verify animus:function_set_work_type_policy on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.set_work_type_policy(text, integer, integer, integer)') AND prosecdef;
SELECT 1/has_function_privilege('animus_app', 'animus.set_work_type_policy(text, integer, integer, integer)', 'EXECUTE')::int;

ROLLBACK;
