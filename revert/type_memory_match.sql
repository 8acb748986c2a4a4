-- Revert animus:type_memory_match from pg
BEGIN;

DROP TYPE animus.memory_match;

COMMIT;
