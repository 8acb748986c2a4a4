-- Verify animus:table_memories on pg
BEGIN;

SELECT id, content, memory_type, source, metadata, embedding, embedding_model, content_hash,
       search_text, created_at, updated_at
FROM animus.memories WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_indexes
WHERE schemaname = 'animus' AND indexname = 'memories_embedding_idx' AND indexdef ~ 'hnsw';
DO $$ BEGIN
    ASSERT (SELECT atttypmod FROM pg_catalog.pg_attribute
            WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding')
           = animus.embedding_dim(), 'memories.embedding does not have the deployed dimension';
END $$;

ROLLBACK;
