-- Revert animus:table_schedules_owner from pg
BEGIN;

ALTER TABLE animus.schedules DROP COLUMN owner;

COMMIT;
