-- Revert animus:function_complete_work_batch from pg
BEGIN;

DROP FUNCTION animus.complete_work_batch(jsonb);

COMMIT;
