-- Revert animus:function_search_memory from pg
BEGIN;

DROP FUNCTION animus.search_memory(public.vector, integer, jsonb);

COMMIT;
