-- Verify animus:function_forget_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.forget_memory(bigint, text)') AND prosecdef;

ROLLBACK;
