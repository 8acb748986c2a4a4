-- Revert animus:table_work_type_policies from pg
BEGIN;

DROP TABLE animus.work_type_policies;

COMMIT;
