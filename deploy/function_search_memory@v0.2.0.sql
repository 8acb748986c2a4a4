-- Deploy animus:function_search_memory to pg
-- hnsw.iterative_scan lets the index scan go on past ef_search until LIMIT rows pass the
-- filters (pgvector 0.8), so a filter matching 1% of rows still fills the page. relaxed_order
-- may return rows slightly out of order, so the results are sorted again by distance.
-- The SET clauses scope both settings (and the set_config below) to this call.
-- group_by_document: the best chunk of each document (metadata.document, written by
-- store_document; a memory without it is a group of its own), from a pool of
-- max(16 * match_count, 160) nearest rows capped at 1000, as hybrid_search does. The page has
-- fewer rows only when the pool holds fewer documents. Read-only: it runs on a hot standby.
-- The signature gained group_by_document, so v0.1.0's three-argument function is dropped.
BEGIN;

DROP FUNCTION animus.search_memory(public.vector, integer, jsonb);

CREATE FUNCTION animus.search_memory(query_embedding public.vector, match_count integer DEFAULT 10,
                                     filters jsonb DEFAULT '{}',
                                     group_by_document boolean DEFAULT false)
RETURNS SETOF animus.memory_match
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
    IF group_by_document IS NULL THEN
        RAISE EXCEPTION 'group_by_document must be true or false'
            USING ERRCODE = 'AN008', HINT = 'Omit it for one row per chunk.';
    END IF;
    PERFORM animus._check_embedding(query_embedding);
    f := animus._parse_memory_filter(filters);
    pool := CASE WHEN group_by_document THEN least(greatest(16 * match_count, 160), 1000)
                 ELSE match_count END;
    PERFORM set_config('hnsw.ef_search', least(greatest(100, 2 * pool), 1000)::text, true);

    IF NOT group_by_document THEN
        RETURN QUERY
        SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.created_at,
               1.0 - v.distance
        FROM animus._vector_leg(query_embedding, match_count, f) AS v
        JOIN animus.memories AS m ON m.id = v.id
        ORDER BY v.distance, m.id;
        RETURN;
    END IF;

    RETURN QUERY
    WITH near AS (
        SELECT v.id, v.distance,
               (SELECT coalesce(m.metadata->>'document', '#' || m.id)
                FROM animus.memories AS m WHERE m.id = v.id) AS doc
        FROM animus._vector_leg(query_embedding, pool, f) AS v
    ),
    best AS (
        SELECT DISTINCT ON (n.doc) n.id, n.distance
        FROM near AS n
        ORDER BY n.doc, n.distance, n.id
    ),
    page AS (
        SELECT b.id, b.distance FROM best AS b ORDER BY b.distance, b.id LIMIT match_count
    )
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.created_at,
           1.0 - p.distance
    FROM page AS p
    JOIN animus.memories AS m ON m.id = p.id
    ORDER BY p.distance, m.id;
END
$$;
COMMENT ON FUNCTION animus.search_memory(public.vector, integer, jsonb, boolean) IS
    'Vector-only recall: the match_count memories nearest to query_embedding (HNSW, cosine), '
    'filtered by filters {memory_type, source, metadata, created_after, created_before}; '
    'score is the cosine similarity. group_by_document: only the nearest chunk of each '
    'document (metadata.document). Raises AN008 (match_count outside 1..1000, NULL '
    'group_by_document), AN010 (unknown filter key), AN011 (bad filter value), AN012 (wrong '
    'dimension), AN013 (NULL or zero vector).';
REVOKE EXECUTE ON FUNCTION animus.search_memory(public.vector, integer, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.search_memory(public.vector, integer, jsonb, boolean) TO animus_app;

COMMIT;
