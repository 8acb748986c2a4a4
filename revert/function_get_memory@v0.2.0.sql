-- Revert animus:function_get_memory from pg
BEGIN;

DROP FUNCTION animus.get_memory(bigint);

COMMIT;
