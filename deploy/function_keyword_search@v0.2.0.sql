-- Deploy animus:function_keyword_search to pg
BEGIN;

CREATE FUNCTION animus.keyword_search(query_text text, match_count integer DEFAULT 10,
                                      filters jsonb DEFAULT '{}', ranking text DEFAULT 'bm25')
RETURNS SETOF animus.memory_match
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f animus.memory_filter;
BEGIN
    IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
        RAISE EXCEPTION 'match_count must be between 1 and 1000, got %', match_count
            USING ERRCODE = 'AN008', HINT = 'Ask for fewer rows, or page with filters.';
    END IF;
    f := animus._parse_memory_filter(filters);

    RETURN QUERY
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.created_at, k.score
    FROM animus._keyword_leg(query_text, match_count, f, ranking) AS k
    JOIN animus.memories AS m ON m.id = k.id
    ORDER BY k.score DESC, m.id;
END
$$;
COMMENT ON FUNCTION animus.keyword_search(text, integer, jsonb, text) IS
    'Keyword-only recall (full text, english): the match_count best memories for query_text; '
    'score is the keyword score of ranking (bm25 default; or_rank_cd, and_rank_cd, and_rank). '
    'Raises AN008 (match_count outside 1..1000, unknown ranking), AN010 (unknown filter key), '
    'AN011 (bad filter value).';
REVOKE EXECUTE ON FUNCTION animus.keyword_search(text, integer, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.keyword_search(text, integer, jsonb, text) TO animus_app;

COMMIT;
