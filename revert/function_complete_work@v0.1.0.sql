-- Revert animus:function_complete_work from pg
BEGIN;

DROP FUNCTION animus.complete_work(uuid, jsonb, bigint);

COMMIT;
