-- Revert animus:function_search_memory from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
-- hnsw.iterative_scan lets the index scan go on past ef_search until LIMIT rows pass the
-- filters (pgvector 0.8), so a filter matching 1% of rows still fills the page. relaxed_order
-- may return rows slightly out of order, so the results are sorted again by distance.
-- The SET clauses scope both settings (and the set_config below) to this call.
BEGIN;

DROP FUNCTION animus.search_memory(public.vector, integer, jsonb, boolean);

CREATE FUNCTION animus.search_memory(query_embedding public.vector, match_count integer DEFAULT 10,
                                     filters jsonb DEFAULT '{}')
RETURNS SETOF animus.memory_match
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET hnsw.iterative_scan = relaxed_order
SET hnsw.ef_search = 100
AS $$
DECLARE
    f animus.memory_filter;
BEGIN
    IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
        RAISE EXCEPTION 'match_count must be between 1 and 1000, got %', match_count
            USING ERRCODE = 'AN008', HINT = 'Ask for fewer rows, or page with filters.';
    END IF;
    PERFORM animus._check_embedding(query_embedding);
    f := animus._parse_memory_filter(filters);
    PERFORM set_config('hnsw.ef_search', least(greatest(100, 2 * match_count), 1000)::text, true);

    RETURN QUERY
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.created_at,
           1.0 - v.distance
    FROM animus._vector_leg(query_embedding, match_count, f) AS v
    JOIN animus.memories AS m ON m.id = v.id
    ORDER BY v.distance, m.id;
END
$$;
COMMENT ON FUNCTION animus.search_memory(public.vector, integer, jsonb) IS
    'Vector-only recall: the match_count memories nearest to query_embedding (HNSW, cosine), '
    'filtered by filters {memory_type, source, metadata, created_after, created_before}; '
    'score is the cosine similarity. Raises AN008 (match_count outside 1..1000), AN010 (unknown '
    'filter key), AN011 (bad filter value), AN012 (wrong dimension), AN013 (NULL or zero vector).';
REVOKE EXECUTE ON FUNCTION animus.search_memory(public.vector, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.search_memory(public.vector, integer, jsonb) TO animus_app;

COMMIT;
