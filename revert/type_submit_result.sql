-- Revert animus:type_submit_result from pg
BEGIN;

DROP TYPE animus.submit_result;

COMMIT;
