-- Deploy animus:function_set_embedding_dim to pg
-- The dimension is fixed at the first deploy (the Sqitch variable embedding_dim, read by
-- table_memories and function_embedding_dim); a later `sqitch deploy --set embedding_dim=N`
-- has nothing left to deploy. This function changes it on a deployed database, in one
-- transaction, keeping every memory (id, content, type, source, metadata, key, timestamps):
-- the old vectors cannot be cast to another dimension, so they are emptied (NULL, with
-- embedding_model NULL) and `animus memory reembed --model M` fills them in batches. Meanwhile
-- the vector leg skips the memories without an embedding and keyword search still finds them.
--
-- Up to 2,000 dimensions the column is vector(N) with a vector_cosine_ops HNSW index; above,
-- up to 4,000, it is halfvec(N) with a halfvec_cosine_ops HNSW index (pgvector's HNSW limits).
-- The search functions need no change for halfvec: `embedding <=> query` with a halfvec
-- column and a vector query resolves to halfvec <=> halfvec (vector -> halfvec is pgvector's
-- implicit cast, halfvec -> vector only an assignment cast), and the index serves it.
BEGIN;

CREATE FUNCTION animus.set_embedding_dim(dim integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    emptied bigint;
    col_type text;
BEGIN
    IF dim IS NULL OR dim < 1 OR dim > 4000 THEN
        RAISE EXCEPTION 'embedding dimension must be between 1 and 4000, got %', coalesce(dim::text, 'NULL')
            USING ERRCODE = 'AN030',
                  HINT = 'pgvector indexes vector up to 2000 dimensions and halfvec up to 4000; animus uses halfvec above 2000.';
    END IF;
    -- Writers wait here, and readers too: the column is rewritten.
    LOCK TABLE animus.memories IN ACCESS EXCLUSIVE MODE;
    col_type := CASE WHEN dim > 2000 THEN format('public.halfvec(%s)', dim) ELSE format('public.vector(%s)', dim) END;
    -- format_type qualifies pgvector's types, which are not on this function's search_path.
    IF dim = animus.embedding_dim()
       AND (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute AS a
            WHERE a.attrelid = 'animus.memories'::regclass AND a.attname = 'embedding')
           = col_type THEN
        RETURN 0;
    END IF;

    SELECT count(*) INTO emptied FROM animus.memories WHERE embedding IS NOT NULL;
    DROP INDEX IF EXISTS animus.memories_embedding_idx;
    -- The content is unchanged, so the keyword statistics' update triggers would net to zero;
    -- with the table locked, skipping them saves reading every row's old and new tsvector.
    ALTER TABLE animus.memories DISABLE TRIGGER memories_lexeme_stats_update,
                                DISABLE TRIGGER memories_corpus_stats_update;
    UPDATE animus.memories SET embedding_model = NULL WHERE embedding_model IS NOT NULL;
    ALTER TABLE animus.memories ENABLE TRIGGER memories_lexeme_stats_update,
                                ENABLE TRIGGER memories_corpus_stats_update;
    -- The rewrite comes after the update, so it leaves no update chains behind: an index built
    -- over updated rows would not serve this transaction (pg_index.indcheckxmin), and the
    -- rewrite also rebuilds the other indexes without the update's dead entries.
    EXECUTE format('ALTER TABLE animus.memories ALTER COLUMN embedding TYPE %s USING NULL', col_type);
    -- Same parameters as the first index (table_memories: m 16, ef_construction 128).
    EXECUTE format('CREATE INDEX memories_embedding_idx ON animus.memories USING hnsw (embedding %s) '
                   'WITH (m = 16, ef_construction = 128)',
                   CASE WHEN dim > 2000 THEN 'public.halfvec_cosine_ops' ELSE 'public.vector_cosine_ops' END);
    EXECUTE format('CREATE OR REPLACE FUNCTION animus.embedding_dim() RETURNS integer '
                   'LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', 'SELECT ' || dim);
    COMMENT ON FUNCTION animus.embedding_dim() IS
        'The embedding dimension of this database: set at the first deploy (sqitch deploy --set embedding_dim=N, '
        'N <= 2000) and changed with animus.set_embedding_dim(N), N <= 4000. animus.memories.embedding is '
        'vector(embedding_dim()), halfvec above 2000; clients check it at connect.';
    RETURN emptied;
END
$$;
COMMENT ON FUNCTION animus.set_embedding_dim(integer) IS
    'Operator (schema owner): change the embedding dimension of this database to dim, in one transaction, '
    'keeping every memory. Empties every embedding (and embedding_model) for re-embedding with '
    'animus memory reembed / memories_to_reembed + set_embeddings; rebuilds the HNSW index (halfvec above '
    '2000 dimensions) and animus.embedding_dim(). Returns the number of embeddings emptied (0 when dim is '
    'already the dimension). Connected clients must reconnect. Raises AN030 (dim outside 1..4000).';
REVOKE EXECUTE ON FUNCTION animus.set_embedding_dim(integer) FROM PUBLIC;

COMMIT;
