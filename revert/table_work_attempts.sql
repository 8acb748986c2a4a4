-- Revert animus:table_work_attempts from pg
BEGIN;

DROP TABLE animus.work_attempts;

COMMIT;
