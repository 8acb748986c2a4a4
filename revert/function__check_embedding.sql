-- Revert animus:function__check_embedding from pg: restore the @v0.2.0 version (norm bound, no halfvec check).
-- pgvector stores single-precision components and computes the cosine in single precision:
-- a vector whose norm is finite in double precision can still overflow there (384 components
-- of 3e38 give a NaN cosine, and PostgreSQL sorts NaN above every number), and one with tiny
-- components can underflow to a zero norm. Bounding the Euclidean norm to [1e-6, 1e12] keeps
-- every square, dot product and norm of pgvector's arithmetic finite and non-zero for any
-- dimension it accepts (up to 16,000): the largest square is at most 1e24 and, with the norm
-- at least 1e-6, the largest component's square is at least 1e-12 / 16,000. Real embedding
-- models give norms near 1 (unit vectors) up to a few hundred.
BEGIN;

CREATE OR REPLACE FUNCTION animus._check_embedding(embedding public.vector) RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    norm double precision;
BEGIN
    -- pgvector's own input already refuses [], NaN and infinity before any function runs;
    -- what reaches here can still be NULL, the wrong length, all zeros or out of range.
    IF embedding IS NULL THEN
        RAISE EXCEPTION 'embedding must not be NULL'
            USING ERRCODE = 'AN013', HINT = 'Compute the embedding of the text first.';
    END IF;
    IF public.vector_dims(embedding) <> animus.embedding_dim() THEN
        RAISE EXCEPTION 'embedding has % dimensions, this database stores %',
                public.vector_dims(embedding), animus.embedding_dim()
            USING ERRCODE = 'AN012',
                  HINT = 'Use the embedding model the database was deployed for, or make a database for this dimension (ANIMUS_EMBEDDING_DIM=N script/db deploy NAME).';
    END IF;
    norm := public.vector_norm(embedding);
    IF NOT (norm >= 1e-6 AND norm <= 1e12) THEN
        RAISE EXCEPTION 'embedding norm % is outside [1e-6, 1e12]: its cosine cannot be computed in single precision', norm
            USING ERRCODE = 'AN013',
                  HINT = 'Pass the embedding model''s output (unit vectors work best); an all-zero vector has no direction.';
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_embedding(public.vector) IS
    'Private: reject an embedding that cannot be stored or searched. '
    'Raises AN012 (wrong dimension), AN013 (NULL, or Euclidean norm outside [1e-6, 1e12], '
    'which includes all zeros and vectors whose single-precision cosine would overflow).';
REVOKE EXECUTE ON FUNCTION animus._check_embedding(public.vector) FROM PUBLIC;

COMMIT;
