-- Verify animus:function_hybrid_search on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean)');
SELECT 1/has_function_privilege('animus_app', 'animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean)', 'EXECUTE')::int;

-- The reworked version (v0.2): a bounded rrf_k, and group_by_document.
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE proname = 'hybrid_search' AND prosrc LIKE '%rrf_k > 1000000%';

ROLLBACK;
