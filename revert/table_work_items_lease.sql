-- Revert animus:table_work_items_lease from pg
BEGIN;

ALTER TABLE animus.work_items DROP COLUMN cancelled_at;

COMMIT;
