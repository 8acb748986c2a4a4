-- Revert animus:function__keyword_leg from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
-- Full-text candidates and their score.
-- Rankings (measured in bench/eval_retrieval.py):
--   bm25        OR over the query's lexemes, Okapi BM25 (k1 1.2, b 0.75); idf from each
--               lexeme's document frequency (counted through the GIN index), N and the average
--               length from animus.memory_corpus_stats. Candidates come from the rarest
--               terms (postings up to 4000 documents), see below.
--   or_rank_cd  OR over the lexemes, ts_rank_cd normalised by 1 + log(document length).
--   and_rank_cd websearch_to_tsquery (AND semantics, phrases, -negation), ts_rank_cd, same norm.
--   and_rank    websearch_to_tsquery, plain ts_rank: the common baseline.
BEGIN;

CREATE OR REPLACE FUNCTION animus._keyword_leg(query_text text, candidates integer, f animus.memory_filter,
                                    ranking text DEFAULT 'bm25')
RETURNS TABLE (id bigint, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- A page-sized estimate (the default is 1000 rows), so callers join to memories by index
-- instead of hashing the whole table.
ROWS 40
AS $$
DECLARE
    query_lexemes text[];
    or_query tsquery;
    corpus_documents double precision;
    avg_length double precision;
    terms text[];
    term_df double precision[];
    generating integer;
    candidate_query tsquery;
    and_query tsquery;
BEGIN
    IF ranking NOT IN ('bm25', 'or_rank_cd', 'and_rank_cd', 'and_rank') THEN
        RAISE EXCEPTION 'unknown keyword ranking "%"', ranking
            USING ERRCODE = 'AN008', HINT = 'Use bm25, or_rank_cd, and_rank_cd or and_rank.';
    END IF;
    query_lexemes := tsvector_to_array(to_tsvector('english'::regconfig, coalesce(query_text, '')));
    IF cardinality(query_lexemes) = 0 THEN
        RETURN;  -- nothing but stop words: the keyword leg has no opinion
    END IF;

    IF ranking IN ('and_rank_cd', 'and_rank') THEN
        and_query := websearch_to_tsquery('english'::regconfig, query_text);
        RETURN QUERY
        SELECT m.id,
               (CASE WHEN ranking = 'and_rank' THEN ts_rank(m.search_text, and_query)
                     ELSE ts_rank_cd(m.search_text, and_query, 1) END)::double precision AS s
        FROM animus.memories AS m
        WHERE m.search_text @@ and_query
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
        ORDER BY s DESC, m.id
        LIMIT candidates;
        RETURN;
    END IF;

    -- Lexemes are already normalised: quote each one and cast, so nothing is stemmed twice.
    SELECT string_agg(quote_literal(l), ' | ')::tsquery INTO or_query FROM unnest(query_lexemes) AS l;

    IF ranking = 'or_rank_cd' THEN
        RETURN QUERY
        SELECT m.id, ts_rank_cd(m.search_text, or_query, 1)::double precision AS s
        FROM animus.memories AS m
        WHERE m.search_text @@ or_query
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
        ORDER BY s DESC, m.id
        LIMIT candidates;
        RETURN;
    END IF;

    -- BM25. Document frequencies first, counted through the GIN index.
    SELECT greatest(sum(st.documents), 1)::float8,
           greatest(sum(st.lexemes)::float8 / greatest(sum(st.documents), 1), 1.0)
    INTO corpus_documents, avg_length
    FROM animus.memory_corpus_stats AS st;
    WITH t AS MATERIALIZED (  -- materialised, so each count runs once, not once per aggregate
        SELECT l AS lexeme,
               (SELECT count(*) FROM animus.memories AS d
                WHERE d.search_text @@ quote_literal(l)::tsquery)::float8 AS df
        FROM unnest(query_lexemes) AS l
    )
    SELECT array_agg(t.lexeme ORDER BY t.df, t.lexeme), array_agg(t.df ORDER BY t.df, t.lexeme)
    INTO terms, term_df
    FROM t;
    -- Candidates come from the rarest terms, adding terms while their postings total at most
    -- 4000 documents (always at least the rarest one). All terms still count in the score, so
    -- only documents that match nothing but common terms are left out: they could score no
    -- more than those terms' small idf, and scoring every one of them is what made the leg slow.
    generating := 1;
    WHILE generating < cardinality(terms)
          AND (SELECT sum(x) FROM unnest(term_df[1:generating + 1]) AS x) <= 4000 LOOP
        generating := generating + 1;
    END LOOP;
    SELECT string_agg(quote_literal(l), ' | ')::tsquery INTO candidate_query
    FROM unnest(terms[1:generating]) AS l;

    RETURN QUERY
    WITH idf AS MATERIALIZED (
        SELECT t.lexeme,
               ln(1.0 + (greatest(corpus_documents, t.df) - t.df + 0.5) / (t.df + 0.5)) AS idf
        FROM unnest(terms, term_df) AS t(lexeme, df)
    ),
    matched AS (
        SELECT m.id, m.search_text
        FROM animus.memories AS m
        WHERE m.search_text @@ candidate_query
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
    )
    SELECT mt.id,
           sum(i.idf * (cardinality(u.positions) * 2.2)
               / (cardinality(u.positions)
                  + 1.2 * (0.25 + 0.75 * length(mt.search_text) / avg_length))) AS s
    FROM matched AS mt
    -- Only the query's lexemes, with their positions (term frequency): mark them with weight A
    -- and keep weight A. Both are C functions; unnesting the whole tsvector cost 4x more.
    CROSS JOIN LATERAL unnest(ts_filter(setweight(mt.search_text, 'A', terms), '{a}')) AS u
    JOIN idf AS i ON i.lexeme = u.lexeme
    GROUP BY mt.id
    ORDER BY s DESC, mt.id
    LIMIT candidates;
END
$$;
COMMENT ON FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text) IS
    'Private: full-text candidates with their keyword score (bm25 by default). '
    'Raises AN008 (unknown ranking).';
REVOKE EXECUTE ON FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text) FROM PUBLIC;

COMMIT;
