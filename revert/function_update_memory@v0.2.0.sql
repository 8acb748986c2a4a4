-- Revert animus:function_update_memory from pg
BEGIN;

DROP FUNCTION animus.update_memory(bigint, text, jsonb, public.vector, text);

COMMIT;
