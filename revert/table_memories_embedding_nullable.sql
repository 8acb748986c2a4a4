-- Revert animus:table_memories_embedding_nullable from pg
-- The earlier schema stores a vector in every row and has no halfvec: a revert that would have
-- to drop memories or their index refuses instead, and says what to do first.
BEGIN;

DO $$
DECLARE
    empty bigint;
BEGIN
    IF (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = 'animus.memories'::regclass AND a.attname = 'embedding') NOT LIKE 'vector(%' THEN
        RAISE EXCEPTION 'animus.memories.embedding is halfvec (more than 2000 dimensions), which the earlier schema cannot index'
            USING ERRCODE = 'AN000',
                  HINT = 'SELECT animus.set_embedding_dim(N) with N <= 2000 and re-embed, then revert.';
    END IF;
    SELECT count(*) INTO empty FROM animus.memories WHERE embedding IS NULL;
    IF empty > 0 THEN
        RAISE EXCEPTION '% memories await re-embedding (embedding NULL); the earlier schema requires an embedding', empty
            USING ERRCODE = 'AN000', HINT = 'Run animus memory reembed --model M first, then revert.';
    END IF;
END
$$;

COMMENT ON COLUMN animus.memories.embedding IS NULL;
ALTER TABLE animus.memories ALTER COLUMN embedding SET NOT NULL;

COMMIT;
