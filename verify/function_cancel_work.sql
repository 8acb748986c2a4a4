-- Verify animus:function_cancel_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.cancel_work(uuid, text)') AND prosecdef;

ROLLBACK;
