-- Verify animus:function_extend_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.extend_work(uuid, integer, integer)') AND prosecdef;

ROLLBACK;
