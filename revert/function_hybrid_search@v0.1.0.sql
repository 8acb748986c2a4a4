-- Revert animus:function_hybrid_search from pg
BEGIN;

DROP FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text);

COMMIT;
