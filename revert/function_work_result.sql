-- Revert animus:function_work_result from pg
BEGIN;

DROP FUNCTION animus.work_result(uuid);

COMMIT;
