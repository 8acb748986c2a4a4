-- Verify animus:function__check_memory_fields on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._check_memory_fields(text, text, public.vector, text, jsonb, text)');

ROLLBACK;
