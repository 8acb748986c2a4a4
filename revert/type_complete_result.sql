-- Revert animus:type_complete_result from pg
BEGIN;

DROP TYPE animus.complete_result;

COMMIT;
