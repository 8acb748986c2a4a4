-- Verify animus:table_memories_key on pg
BEGIN;

SELECT key, chunk_index FROM animus.memories WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_constraint
WHERE conrelid = 'animus.memories'::regclass AND conname = 'memories_key_chunk';
SELECT 1/COUNT(*) FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid
WHERE c.conrelid = 'animus.memories'::regclass AND c.conname = 'memories_dedup_key'
  AND i.indnullsnotdistinct;

ROLLBACK;
