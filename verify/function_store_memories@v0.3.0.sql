-- Verify animus:function_store_memories on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.store_memories(jsonb, text)') AND prosecdef;

ROLLBACK;
