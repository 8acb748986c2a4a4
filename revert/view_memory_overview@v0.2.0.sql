-- Revert animus:view_memory_overview from pg
BEGIN;

DROP VIEW animus.memory_overview;

COMMIT;
