-- Deploy animus:table_memories_embedding_nullable to pg
-- The embedding dimension of a deployed database can change (animus.set_embedding_dim): the
-- old vectors cannot be cast to the new dimension, so they are emptied and the memories wait,
-- with embedding NULL, for `animus memory reembed`. Every store path still requires an
-- embedding (animus._check_embedding refuses NULL): only a dimension change leaves one empty.
-- HNSW does not index NULLs, so the vector leg skips such memories; keyword search finds them.
BEGIN;

ALTER TABLE animus.memories ALTER COLUMN embedding DROP NOT NULL;

COMMENT ON COLUMN animus.memories.embedding IS
    'The embedding: vector(embedding_dim()), or halfvec(embedding_dim()) above 2000 dimensions. '
    'NULL while the memory awaits re-embedding after animus.set_embedding_dim.';

COMMIT;
