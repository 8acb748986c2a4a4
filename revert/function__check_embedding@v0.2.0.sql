-- Revert animus:function__check_embedding from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
BEGIN;

CREATE OR REPLACE FUNCTION animus._check_embedding(embedding public.vector) RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- pgvector's own input already refuses [], NaN and infinity (SQLSTATE 22000) before any
    -- function runs; what reaches here can still be NULL, the wrong length or all zeros.
    IF embedding IS NULL THEN
        RAISE EXCEPTION 'embedding must not be NULL'
            USING ERRCODE = 'AN013', HINT = 'Compute the embedding of the text first.';
    END IF;
    IF public.vector_dims(embedding) <> animus.embedding_dim() THEN
        RAISE EXCEPTION 'embedding has % dimensions, this database stores %',
                public.vector_dims(embedding), animus.embedding_dim()
            USING ERRCODE = 'AN012',
                  HINT = 'Use the embedding model the database was deployed for (sqitch deploy --set embedding_dim=N).';
    END IF;
    IF NOT (public.vector_norm(embedding) > 0) OR public.vector_norm(embedding) = 'Infinity'::float8 THEN
        RAISE EXCEPTION 'embedding is all zeros (or not finite): cosine similarity is undefined'
            USING ERRCODE = 'AN013', HINT = 'Check the embedding model''s output.';
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_embedding(public.vector) IS
    'Private: reject an embedding that cannot be stored or searched. '
    'Raises AN012 (wrong dimension), AN013 (NULL, all zeros, not finite).';
REVOKE EXECUTE ON FUNCTION animus._check_embedding(public.vector) FROM PUBLIC;

COMMIT;
