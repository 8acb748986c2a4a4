-- Revert animus:function_create_queue from pg
BEGIN;

DROP FUNCTION animus.create_queue(text);

COMMIT;
