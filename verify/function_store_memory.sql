-- Verify animus:function_store_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.store_memory(text, text, public.vector, text, jsonb, text, text)') AND prosecdef;

ROLLBACK;
