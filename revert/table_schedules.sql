-- Revert animus:table_schedules from pg
BEGIN;

DROP TABLE animus.schedules;

COMMIT;
