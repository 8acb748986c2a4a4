-- Revert animus:function_forget_memory from pg
BEGIN;

DROP FUNCTION animus.forget_memory(bigint);

COMMIT;
