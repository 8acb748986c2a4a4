-- Verify animus:function_delete_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.delete_work(text, bigint)') AND prosecdef;

ROLLBACK;
