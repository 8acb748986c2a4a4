-- Revert animus:table_work_items_attempts from pg
BEGIN;

ALTER TABLE animus.work_items DROP COLUMN attempt_errors;

COMMIT;
