-- Verify animus:function_update_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.update_memory(bigint, text, jsonb, public.vector, text, text)') AND prosecdef;

ROLLBACK;
