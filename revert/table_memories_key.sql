-- Revert animus:table_memories_key from pg
-- v0.1.0 knows one row per (memory_type, content): keyed rows whose content repeats another
-- row of their type are dropped first (the lowest id stays), so the old constraint holds.
BEGIN;

DELETE FROM animus.memories AS m
USING animus.memories AS keep
WHERE m.memory_type = keep.memory_type AND m.content_hash = keep.content_hash
  AND keep.id < m.id;

ALTER TABLE animus.memories DROP CONSTRAINT memories_dedup_key;
ALTER TABLE animus.memories DROP CONSTRAINT memories_key_chunk;
ALTER TABLE animus.memories DROP CONSTRAINT memories_unkeyed_chunk;
ALTER TABLE animus.memories DROP COLUMN chunk_index, DROP COLUMN key;
ALTER TABLE animus.memories ADD CONSTRAINT memories_dedup_key UNIQUE (memory_type, content_hash);

COMMIT;
