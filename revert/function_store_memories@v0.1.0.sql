-- Revert animus:function_store_memories from pg
BEGIN;

DROP FUNCTION animus.store_memories(jsonb);

COMMIT;
