-- Verify animus:function_store_memories on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.store_memories(jsonb)');
SELECT 1/has_function_privilege('animus_app', 'animus.store_memories(jsonb)', 'EXECUTE')::int;

-- The reworked version checks fields in animus._check_memory_fields.
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE proname = 'store_memories' AND prosrc LIKE '%_check_memory_fields%';

ROLLBACK;
