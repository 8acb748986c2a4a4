-- Verify animus:table_memories_embedding_nullable on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_attribute
WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding' AND NOT attnotnull;

ROLLBACK;
