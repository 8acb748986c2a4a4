-- Verify animus:function_search_memory on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.search_memory(public.vector, integer, jsonb, boolean)');
SELECT 1/has_function_privilege('animus_app', 'animus.search_memory(public.vector, integer, jsonb, boolean)', 'EXECUTE')::int;

ROLLBACK;
