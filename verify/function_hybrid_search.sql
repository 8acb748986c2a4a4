-- Verify animus:function_hybrid_search on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean, text)') AND prosecdef;

ROLLBACK;
