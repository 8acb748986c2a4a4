-- Revert animus:function_forget_memories from pg
BEGIN;

DROP FUNCTION animus.forget_memories(jsonb);

COMMIT;
