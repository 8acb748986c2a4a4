-- Revert animus:function_store_memory from pg
BEGIN;

DROP FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text);

COMMIT;
