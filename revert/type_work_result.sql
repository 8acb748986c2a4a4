-- Revert animus:type_work_result from pg
BEGIN;

DROP TYPE animus.work_result;

COMMIT;
