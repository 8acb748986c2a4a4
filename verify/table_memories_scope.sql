-- Verify animus:table_memories_scope on pg
BEGIN;

SELECT scope FROM animus.memories WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_constraint
WHERE conrelid = 'animus.memories'::regclass AND conname = 'memories_key_chunk'
  AND pg_catalog.pg_get_constraintdef(oid) = 'UNIQUE (scope, key, chunk_index)';
SELECT 1/COUNT(*) FROM pg_catalog.pg_constraint
WHERE conrelid = 'animus.memories'::regclass AND conname = 'memories_dedup_key'
  AND pg_catalog.pg_get_constraintdef(oid) LIKE '%(scope, memory_type, content_hash, key, chunk_index)';

ROLLBACK;
