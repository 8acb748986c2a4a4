-- Deploy animus:function__check_embedding to pg
-- pgvector stores single-precision components and computes the cosine in single precision:
-- a vector whose norm is finite in double precision can still overflow there (384 components
-- of 3e38 give a NaN cosine, and PostgreSQL sorts NaN above every number), and one with tiny
-- components can underflow to a zero norm. Bounding the Euclidean norm to [1e-6, 1e12] keeps
-- every square, dot product and norm of pgvector's arithmetic finite and non-zero for any
-- dimension it accepts (up to 16,000): the largest square is at most 1e24 and, with the norm
-- at least 1e-6, the largest component's square is at least 1e-12 / 16,000. Real embedding
-- models give norms near 1 (unit vectors) up to a few hundred.
--
-- Above 2,000 dimensions (pgvector's HNSW limit for vector) animus.set_embedding_dim stores
-- the column as halfvec, whose HNSW limit is 4,000. Every stored embedding and every query
-- embedding is then cast to half precision (the query by the <=> operator): a component
-- beyond 65,504 fails that cast with pgvector's raw 22003, and a vector whose components all
-- round to zero has no direction. Both are refused here as AN013, before any cast.
BEGIN;

CREATE OR REPLACE FUNCTION animus._check_embedding(embedding public.vector) RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    norm double precision;
    half public.halfvec;
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
                  HINT = 'Use the embedding model the database is set for, or change the database''s dimension: '
                         'SELECT animus.set_embedding_dim(N), then animus memory reembed --model M (docs/operations.md).';
    END IF;
    norm := public.vector_norm(embedding);
    IF NOT (norm >= 1e-6 AND norm <= 1e12) THEN
        RAISE EXCEPTION 'embedding norm % is outside [1e-6, 1e12]: its cosine cannot be computed in single precision', norm
            USING ERRCODE = 'AN013',
                  HINT = 'Pass the embedding model''s output (unit vectors work best); an all-zero vector has no direction.';
    END IF;
    IF animus.embedding_dim() > 2000 THEN
        BEGIN
            half := embedding::public.halfvec;
        EXCEPTION WHEN numeric_value_out_of_range THEN
            RAISE EXCEPTION 'embedding has a component beyond half precision (65504): this database stores halfvec above 2000 dimensions'
                USING ERRCODE = 'AN013', HINT = 'Pass the embedding model''s output (unit vectors work best).';
        END;
        IF NOT (public.l2_norm(half) >= 1e-6) THEN
            RAISE EXCEPTION 'embedding vanishes in half precision (norm %): this database stores halfvec above 2000 dimensions',
                    public.l2_norm(half)
                USING ERRCODE = 'AN013', HINT = 'Pass the embedding model''s output (unit vectors work best).';
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_embedding(public.vector) IS
    'Private: reject an embedding that cannot be stored or searched. '
    'Raises AN012 (wrong dimension), AN013 (NULL, or Euclidean norm outside [1e-6, 1e12], '
    'which includes all zeros and vectors whose single-precision cosine would overflow; above '
    '2000 dimensions, where embeddings are halfvec, also a component beyond 65504 or a vector '
    'that rounds to zero in half precision).';
REVOKE EXECUTE ON FUNCTION animus._check_embedding(public.vector) FROM PUBLIC;

COMMIT;
