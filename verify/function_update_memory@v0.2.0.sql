-- Verify animus:function_update_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.update_memory(bigint, text, jsonb, public.vector, text)');
SELECT 1/has_function_privilege('animus_app', 'animus.update_memory(bigint, text, jsonb, public.vector, text)', 'EXECUTE')::int;

ROLLBACK;
