-- Revert animus:type_memory_filter from pg
BEGIN;

DROP TYPE animus.memory_filter;

COMMIT;
