-- Verify animus:function_fail_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.fail_work(uuid, text, integer, integer)') AND prosecdef;

ROLLBACK;
