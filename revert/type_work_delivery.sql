-- Revert animus:type_work_delivery from pg
BEGIN;

DROP TYPE animus.work_delivery;

COMMIT;
