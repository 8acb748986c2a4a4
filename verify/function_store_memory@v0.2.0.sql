-- Verify animus:function_store_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.store_memory(text, text, public.vector, text, jsonb, text)');
SELECT 1/has_function_privilege('animus_app', 'animus.store_memory(text, text, public.vector, text, jsonb, text)', 'EXECUTE')::int;

-- The reworked version checks fields in animus._check_memory_fields.
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE proname = 'store_memory' AND prosrc LIKE '%_check_memory_fields%';

ROLLBACK;
