-- Revert animus:function_hybrid_search from pg: restore the @v0.2.0 version (unscoped), its grants too.
-- Two legs, each a candidate pool of max(4 * match_count, 40) rows so the fused page fills:
--   vector:  animus._vector_leg (HNSW, ORDER BY distance LIMIT n, iterative scan for filters);
--   keyword: animus._keyword_leg (GIN; BM25 by default).
-- Fusion 'convex' (default): vector_weight * cosine similarity + keyword_weight * keyword score
--   divided by the best keyword score in the pool (keyword_weight defaults to 0.25). A row
--   found by the keyword leg alone counts the lowest similarity in the vector pool: it is no
--   nearer than that. (Its exact cosine, lower still, measured worse: a unique code match
--   then needed a larger keyword_weight to reach the page.)
-- Fusion 'rrf': sum of weight / (rrf_k + rank) over the legs a row appears in (weights 1, 1).
-- Why convex by default: RRF throws away how much better the best keyword match is (an exact
-- ticket code vs a doc that shares one common word get ranks 1 and 2 alike), and fell below
-- the better single leg on most labelled sets; convex fusion beat both legs on every set,
-- the public CACM collection included. The figures are in docs/memory.md.
-- Numbers: rrf_k and the weights are bounded (0..1e6) so no sum can overflow, and a distance
-- that is NaN (a vector stored before the norm check existed) counts as no similarity: NaN
-- sorts above every number in PostgreSQL, so it would otherwise take the first place.
-- group_by_document: the page holds the best chunk of each document (metadata.document, which
-- store_document writes; a memory without it is a group of its own). The pools then widen to
-- max(16 * match_count, 160) rows, capped at 1000, so that enough documents are among the
-- candidates; the page has fewer rows only when the pools hold fewer documents.
-- The signature gained group_by_document, so v0.1.0's nine-argument function is dropped first.
BEGIN;

DROP FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean, text);


CREATE FUNCTION animus.hybrid_search(query_text text, query_embedding public.vector,
                                     match_count integer DEFAULT 10, filters jsonb DEFAULT '{}',
                                     rrf_k integer DEFAULT 60,
                                     vector_weight double precision DEFAULT 1.0,
                                     keyword_weight double precision DEFAULT NULL,
                                     keyword_ranking text DEFAULT 'bm25',
                                     fusion text DEFAULT 'convex',
                                     group_by_document boolean DEFAULT false)
RETURNS SETOF animus.hybrid_match
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET hnsw.iterative_scan = relaxed_order
SET hnsw.ef_search = 100
AS $$
DECLARE
    f animus.memory_filter;
    pool integer;
    kw_weight double precision;
BEGIN
    IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
        RAISE EXCEPTION 'match_count must be between 1 and 1000, got %', match_count
            USING ERRCODE = 'AN008', HINT = 'Ask for fewer rows, or page with filters.';
    END IF;
    IF fusion IS NULL OR fusion NOT IN ('convex', 'rrf') THEN
        RAISE EXCEPTION 'unknown fusion "%"', fusion
            USING ERRCODE = 'AN008', HINT = 'Use convex (weighted scores, the default) or rrf (reciprocal rank fusion).';
    END IF;
    kw_weight := coalesce(keyword_weight, CASE WHEN fusion = 'convex' THEN 0.25 ELSE 1.0 END);
    IF rrf_k IS NULL OR rrf_k < 0 OR rrf_k > 1000000 OR vector_weight IS NULL
       OR NOT (vector_weight >= 0 AND vector_weight <= 1e6)
       OR NOT (kw_weight >= 0 AND kw_weight <= 1e6)
       OR vector_weight + kw_weight = 0 THEN
        RAISE EXCEPTION 'rrf_k must be in 0..1000000, and the weights in 0..1e6 and not both 0'
            USING ERRCODE = 'AN008',
                  HINT = 'Defaults: vector_weight 1; keyword_weight 0.25 (convex) or 1 (rrf); rrf_k 60.';
    END IF;
    PERFORM animus._check_embedding(query_embedding);
    f := animus._parse_memory_filter(filters);
    IF group_by_document IS NULL THEN
        RAISE EXCEPTION 'group_by_document must be true or false'
            USING ERRCODE = 'AN008', HINT = 'Omit it for one row per chunk.';
    END IF;
    pool := CASE WHEN group_by_document THEN least(greatest(16 * match_count, 160), 1000)
                 ELSE greatest(4 * match_count, 40) END;
    PERFORM set_config('hnsw.ef_search', least(greatest(100, 2 * pool), 1000)::text, true);

    RETURN QUERY
    WITH vec AS (
        SELECT v.id, CASE WHEN v.distance = 'NaN'::float8 THEN NULL ELSE 1.0 - v.distance END AS similarity,
               (row_number() OVER (ORDER BY v.distance, v.id))::integer AS rank
        FROM animus._vector_leg(query_embedding, pool, f) AS v
    ),
    kw AS (
        SELECT k.id, k.score / nullif(max(k.score) OVER (), 0) AS scaled,
               (row_number() OVER (ORDER BY k.score DESC, k.id))::integer AS rank
        FROM animus._keyword_leg(query_text, pool, f, keyword_ranking) AS k
    ),
    candidates AS (
        SELECT coalesce(vec.id, kw.id) AS id,
               coalesce(vec.similarity, (SELECT min(v2.similarity) FROM vec AS v2)) AS similarity,
               vec.rank AS vector_rank, kw.scaled, kw.rank AS keyword_rank
        FROM vec FULL JOIN kw ON kw.id = vec.id
    ),
    fused AS (
        SELECT c.id, c.vector_rank, c.keyword_rank,
               CASE WHEN fusion = 'rrf' THEN
                   coalesce(vector_weight / (rrf_k::float8 + c.vector_rank), 0)
                   + coalesce(kw_weight / (rrf_k::float8 + c.keyword_rank), 0)
               ELSE
                   vector_weight * coalesce(c.similarity, 0) + kw_weight * coalesce(c.scaled, 0)
               END AS score
        FROM candidates AS c
    ),
    -- One row per document when grouping: its best-scored chunk. The group key is read per
    -- candidate by primary key (a scalar subquery), never by a join over the table.
    grouped AS (
        SELECT DISTINCT ON (g.doc) g.id, g.vector_rank, g.keyword_rank, g.score
        FROM (
            SELECT fu.*, CASE WHEN group_by_document
                              THEN (SELECT coalesce(m.metadata->>'document', '#' || m.id)
                                    FROM animus.memories AS m WHERE m.id = fu.id)
                              ELSE fu.id::text END AS doc
            FROM fused AS fu
        ) AS g
        ORDER BY g.doc, g.score DESC NULLS LAST, g.vector_rank NULLS LAST, g.keyword_rank NULLS LAST, g.id
    ),
    -- Rank first, then fetch the page's rows only: joining every candidate to memories let
    -- the planner (which expects 1000 rows from the keyword leg) hash the whole table
    -- (docs/benchmarks.md has the measurement).
    page AS (
        SELECT fu.id, fu.vector_rank, fu.keyword_rank, fu.score
        FROM grouped AS fu
        ORDER BY fu.score DESC NULLS LAST, fu.vector_rank NULLS LAST, fu.keyword_rank NULLS LAST, fu.id
        LIMIT match_count
    )
    SELECT p.id, m.content, m.memory_type, m.source, m.metadata, m.created_at,
           p.score::double precision, p.vector_rank, p.keyword_rank
    FROM page AS p
    JOIN animus.memories AS m ON m.id = p.id
    ORDER BY p.score DESC NULLS LAST, p.vector_rank NULLS LAST, p.keyword_rank NULLS LAST, p.id;
END
$$;
COMMENT ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean) IS
    'Hybrid recall: cosine similarity (HNSW) fused with full-text ranking (GIN, BM25 by default). '
    'Fusion convex (default): vector_weight * cosine + keyword_weight (default 0.25) * keyword '
    'score / best keyword score; fusion rrf: sum of weight / (rrf_k + rank), weights default 1. '
    'Returns each leg''s 1-based rank (NULL when absent from a leg). group_by_document: only '
    'the best chunk of each document (metadata.document). Same filters as '
    'search_memory. Raises AN006 (query_text over 256 KiB), AN008 (match_count outside 1..1000, '
    'rrf_k outside 0..1000000, weights outside 0..1e6 or both 0, unknown fusion or '
    'keyword_ranking), AN010 (unknown filter key), AN011 (bad filter value), AN012 (wrong '
    'dimension), AN013 (NULL embedding or norm outside [1e-6, 1e12]).';
REVOKE EXECUTE ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.hybrid_search(text, public.vector, integer, jsonb, integer, double precision, double precision, text, text, boolean) TO animus_app;

COMMIT;
