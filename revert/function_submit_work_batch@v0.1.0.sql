-- Revert animus:function_submit_work_batch from pg
BEGIN;

DROP FUNCTION animus.submit_work_batch(jsonb);

COMMIT;
