-- Deploy animus:function_hybrid_search to pg
-- Two legs, each a candidate pool of max(4 * match_count, 40) rows so the fused page fills:
--   vector:  animus._vector_leg (HNSW, ORDER BY distance LIMIT n, iterative scan for filters);
--   keyword: animus._keyword_leg (GIN; BM25 by default).
-- Fusion 'rrf' (default): sum of weight / (rrf_k + rank) over the legs a row appears in.
-- Fusion 'score': sum of weight * (score scaled to 0..1 by the best and worst in the pool).
BEGIN;

CREATE FUNCTION animus.hybrid_search(query_text text, query_embedding public.vector,
                                     match_count integer DEFAULT 10, filters jsonb DEFAULT '{}',
                                     rrf_k integer DEFAULT 60,
                                     vector_weight double precision DEFAULT 1.0,
                                     keyword_weight double precision DEFAULT 1.0,
                                     keyword_ranking text DEFAULT 'bm25',
                                     fusion text DEFAULT 'rrf')
RETURNS SETOF animus.hybrid_match
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET hnsw.iterative_scan = relaxed_order
SET hnsw.ef_search = 100
AS $$
DECLARE
    f animus.memory_filter;
    pool integer;
BEGIN
    IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
        RAISE EXCEPTION 'match_count must be between 1 and 1000, got %', match_count
            USING ERRCODE = 'AN008', HINT = 'Ask for fewer rows, or page with filters.';
    END IF;
    IF rrf_k IS NULL OR rrf_k < 0
       OR vector_weight IS NULL OR keyword_weight IS NULL
       OR vector_weight < 0 OR keyword_weight < 0
       OR vector_weight = 'Infinity' OR keyword_weight = 'Infinity'
       OR vector_weight = 'NaN' OR keyword_weight = 'NaN'
       OR vector_weight + keyword_weight = 0 THEN
        RAISE EXCEPTION 'rrf_k must be >= 0, and the weights finite, >= 0 and not both 0'
            USING ERRCODE = 'AN008', HINT = 'The defaults are rrf_k 60, vector_weight 1, keyword_weight 1.';
    END IF;
    IF fusion IS NULL OR fusion NOT IN ('rrf', 'score') THEN
        RAISE EXCEPTION 'unknown fusion "%"', fusion
            USING ERRCODE = 'AN008', HINT = 'Use rrf (reciprocal rank fusion) or score (min-max scaled scores).';
    END IF;
    PERFORM animus._check_embedding(query_embedding);
    f := animus._parse_memory_filter(filters);
    pool := greatest(4 * match_count, 40);
    PERFORM set_config('hnsw.ef_search', least(greatest(100, 2 * pool), 1000)::text, true);

    RETURN QUERY
    WITH vec AS (
        SELECT v.id, 1.0 - v.distance AS score,
               (row_number() OVER (ORDER BY v.distance, v.id))::integer AS rank
        FROM animus._vector_leg(query_embedding, pool, f) AS v
    ),
    kw AS (
        SELECT k.id, k.score,
               (row_number() OVER (ORDER BY k.score DESC, k.id))::integer AS rank
        FROM animus._keyword_leg(query_text, pool, f, keyword_ranking) AS k
    ),
    scaled AS (
        SELECT vec.id, vec.rank, NULL::integer AS krank,
               (vec.score - min(vec.score) OVER ()) / nullif(max(vec.score) OVER () - min(vec.score) OVER (), 0) AS vnorm,
               NULL::float8 AS knorm
        FROM vec
        UNION ALL
        SELECT kw.id, NULL, kw.rank, NULL,
               (kw.score - min(kw.score) OVER ()) / nullif(max(kw.score) OVER () - min(kw.score) OVER (), 0)
        FROM kw
    ),
    fused AS (
        SELECT s.id, max(s.rank) AS vector_rank, max(s.krank) AS keyword_rank,
               CASE WHEN fusion = 'rrf' THEN
                   coalesce(vector_weight / (rrf_k + max(s.rank)), 0)
                   + coalesce(keyword_weight / (rrf_k + max(s.krank)), 0)
               ELSE
                   -- a leg with a single candidate (no spread) counts it as its best
                   vector_weight * coalesce(max(s.vnorm), CASE WHEN max(s.rank) IS NOT NULL THEN 1.0 ELSE 0 END)
                   + keyword_weight * coalesce(max(s.knorm), CASE WHEN max(s.krank) IS NOT NULL THEN 1.0 ELSE 0 END)
               END AS score
        FROM scaled AS s
        GROUP BY s.id
    )
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.created_at,
           fu.score::double precision, fu.vector_rank, fu.keyword_rank
    FROM fused AS fu
    JOIN animus.memories AS m ON m.id = fu.id
    ORDER BY fu.score DESC, fu.vector_rank NULLS LAST, fu.keyword_rank NULLS LAST, m.id
    LIMIT match_count;
END
$$;
COMMENT ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text) IS
    'Hybrid recall: cosine similarity (HNSW) fused with full-text ranking (GIN, BM25 by default). '
    'Fusion rrf (default): sum of weight / (rrf_k + rank); fusion score: weighted min-max scaled '
    'scores. Returns each leg''s 1-based rank (NULL when absent from a leg). Same filters as '
    'search_memory. Raises AN008 (match_count outside 1..1000, bad rrf_k, weights, fusion or '
    'ranking), AN010 (unknown filter key), AN011 (bad filter value), AN012 (wrong dimension), '
    'AN013 (NULL or zero vector).';
REVOKE EXECUTE ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text) TO animus_app;

COMMIT;
