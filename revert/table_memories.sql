-- Revert animus:table_memories from pg
BEGIN;

DROP TABLE animus.memories;

COMMIT;
