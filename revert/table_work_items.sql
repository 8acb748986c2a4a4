-- Revert animus:table_work_items from pg
BEGIN;

DROP TABLE animus.work_items;

COMMIT;
