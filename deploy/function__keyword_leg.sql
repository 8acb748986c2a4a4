-- Deploy animus:function__keyword_leg to pg
-- Full-text candidates and their score. Rankings:
--   bm25        OR over the query's lexemes, Okapi BM25 (k1 1.2, b 0.75). Document frequencies
--               come from animus.memory_lexeme_stats (kept by triggers), N and the average
--               length from animus.memory_corpus_stats, so no count runs against the corpus.
--   or_rank_cd  OR over the lexemes, ts_rank_cd normalised by 1 + log(document length).
--   and_rank_cd websearch_to_tsquery (AND semantics, phrases, -negation), ts_rank_cd, same norm.
--   and_rank    websearch_to_tsquery, plain ts_rank: the common baseline.
--
-- What bounds the cost of a long query (a task description of 100 words, a pasted document):
--   * query_text over 256 KiB is refused (AN006), before any tsvector is built;
--   * lexemes absent from the corpus are dropped (they match nothing), and of the rest at most
--     64, the rarest (highest idf), are kept: past 64 the extra terms add little to BM25 and
--     each one costs a posting list;
--   * candidates come from the rarest terms, adding terms (in one pass over their running
--     posting totals, linear in the number of terms) while the postings total at most
--     max(400, 10 * candidates): 400 for a page of 10 or a hybrid pool of 40.
--     All kept terms still count in the score. If those candidates do not fill the page once
--     the filters are applied, the posting budget grows fourfold per round with the next
--     rarer terms, and rows that match only those are taken up to
--     greatest(8 * candidates, 1000) so the page is full when enough rows match.
-- Scoped: every query of the leg has "m.scope = scope". The BM25 statistics (document
-- frequencies, N, average length) stay global, over every scope: see docs/memory.md
-- ("Scopes") for why. Because a term's global frequency says nothing about how many of its
-- documents are in the scope, the candidate rounds count in the scope unless every memory is
-- in it (two b-tree probes tell, so a database without scopes keeps its fast path). The signature
-- gained scope, so the four-argument function is dropped.
BEGIN;

DROP FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text);

CREATE FUNCTION animus._keyword_leg(query_text text, candidates integer, f animus.memory_filter,
                                    scope text, ranking text DEFAULT 'bm25')
RETURNS TABLE (id bigint, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Plan every query for the scope at hand: one cached generic plan cannot suit a scope of 30
-- rows (bitmap-AND with the scope b-tree) and one of half the table alike.
SET plan_cache_mode = force_custom_plan
-- A page-sized estimate (the default is 1000 rows), so callers join to memories by index
-- instead of hashing the whole table.
ROWS 40
AS $$
DECLARE
    max_lexemes constant integer := 64;
    -- Postings scored for sure: scoring is the leg's main cost (per candidate, a copy of its
    -- tsvector), so the budget scales with the pool asked for, with a floor.
    core_budget double precision := greatest(400, 10 * candidates);
    query_lexemes text[];
    or_query tsquery;
    corpus_documents double precision;
    avg_length double precision;
    terms text[];
    term_df double precision[];
    running_df double precision[];
    core_terms integer;
    extra_terms integer;
    budget double precision;
    found integer;
    core_query tsquery;
    extra_query tsquery;
    extra_cap integer := greatest(8 * candidates, 1000);
    sole_scope boolean;
    and_query tsquery;
BEGIN
    IF ranking IS NULL OR ranking NOT IN ('bm25', 'or_rank_cd', 'and_rank_cd', 'and_rank') THEN
        RAISE EXCEPTION 'unknown keyword ranking "%"', ranking
            USING ERRCODE = 'AN008', HINT = 'Use bm25, or_rank_cd, and_rank_cd or and_rank.';
    END IF;
    IF octet_length(query_text) > 262144 THEN
        RAISE EXCEPTION 'query_text is % bytes, over the 256 KiB limit', octet_length(query_text)
            USING ERRCODE = 'AN006',
                  HINT = 'Search with the passage that matters (a task description, a paragraph); at most 64 of its terms count anyway.';
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
          AND m.scope = _keyword_leg.scope
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
        ORDER BY s DESC, m.id
        LIMIT candidates;
        RETURN;
    END IF;

    -- The kept terms, rarest first, with their document frequencies: one index probe each.
    SELECT array_agg(t.lexeme ORDER BY t.df, t.lexeme), array_agg(t.df ORDER BY t.df, t.lexeme)
    INTO terms, term_df
    FROM (
        -- One primary-key probe per lexeme (a LATERAL, so the planner cannot pick a scan of
        -- the whole statistics table for a long list).
        SELECT q.lexeme, d.df
        FROM unnest(query_lexemes) AS q(lexeme)
        CROSS JOIN LATERAL (SELECT sum(s.documents)::float8 AS df
                            FROM animus.memory_lexeme_stats AS s
                            WHERE s.lexeme = q.lexeme) AS d
        WHERE d.df > 0
        ORDER BY d.df, q.lexeme
        LIMIT max_lexemes
    ) AS t;
    IF terms IS NULL THEN
        RETURN;  -- no query term occurs in any memory
    END IF;

    IF ranking = 'or_rank_cd' THEN
        -- Lexemes are already normalised: quote each one and cast, so nothing is stemmed twice.
        SELECT string_agg(quote_literal(l), ' | ')::tsquery INTO or_query FROM unnest(terms) AS l;
        RETURN QUERY
        SELECT m.id, ts_rank_cd(m.search_text, or_query, 1)::double precision AS s
        FROM animus.memories AS m
        WHERE m.search_text @@ or_query
          AND m.scope = _keyword_leg.scope
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
        ORDER BY s DESC, m.id
        LIMIT candidates;
        RETURN;
    END IF;

    SELECT greatest(sum(st.documents), 1)::float8,
           greatest(sum(st.lexemes)::float8 / greatest(sum(st.documents), 1), 1.0)
    INTO corpus_documents, avg_length
    FROM animus.memory_corpus_stats AS st;

    -- Is every memory in this scope (a database that does not use scopes)? The smallest and
    -- the largest scope, one b-tree probe each (min/max always take the index, even before
    -- ANALYZE; a "scope < $1" probe was planned as a sequential scan then).
    sole_scope := (SELECT min(m.scope) FROM animus.memories AS m) = _keyword_leg.scope
                  AND (SELECT max(m.scope) FROM animus.memories AS m) = _keyword_leg.scope;

    -- Running posting totals, once: the candidate rounds below only count entries of it.
    SELECT array_agg(r.total ORDER BY r.o) INTO running_df
    FROM (SELECT u.o, sum(u.df) OVER (ORDER BY u.o) AS total
          FROM unnest(term_df) WITH ORDINALITY AS u(df, o)) AS r;
    core_terms := greatest(1, (SELECT count(*) FROM unnest(running_df) AS x WHERE x <= core_budget));
    SELECT string_agg(quote_literal(l), ' | ')::tsquery INTO core_query FROM unnest(terms[1:core_terms]) AS l;
    extra_terms := core_terms;
    budget := core_budget;
    LOOP
        IF extra_terms > core_terms THEN
            SELECT string_agg(quote_literal(l), ' | ')::tsquery INTO extra_query
            FROM unnest(terms[core_terms + 1:extra_terms]) AS l;
        END IF;
        EXIT WHEN extra_terms = cardinality(terms);
        -- Enough distinct candidates? Without filters, in a database whose memories are all
        -- in this scope, the documents of any one included term are distinct candidates, so
        -- its frequency answers; otherwise count in the scope, stopping at the page size.
        EXIT WHEN f IS NULL AND sole_scope AND term_df[extra_terms] >= candidates;
        SELECT count(*) INTO found FROM (
            SELECT 1 FROM animus.memories AS m
            -- One tsquery (core OR extra), so the GIN index serves the count.
            WHERE m.search_text @@ CASE WHEN extra_query IS NULL THEN core_query
                                        ELSE core_query || extra_query END
              AND m.scope = _keyword_leg.scope
              AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
              AND (f.source IS NULL OR m.source = f.source)
              AND (f.metadata IS NULL OR m.metadata @> f.metadata)
              AND (f.created_after IS NULL OR m.created_at >= f.created_after)
              AND (f.created_before IS NULL OR m.created_at < f.created_before)
            LIMIT candidates) AS enough;
        EXIT WHEN found >= candidates;
        budget := budget * 4;
        extra_terms := greatest(extra_terms + 1,
                                (SELECT count(*) FROM unnest(running_df) AS x WHERE x <= budget)::integer);
    END LOOP;

    RETURN QUERY
    WITH idf AS MATERIALIZED (
        SELECT t.lexeme,
               ln(1.0 + (greatest(corpus_documents, t.df) - t.df + 0.5) / (t.df + 0.5)) AS idf
        FROM unnest(terms, term_df) AS t(lexeme, df)
    ),
    matched AS (
        SELECT m.id, m.search_text
        FROM animus.memories AS m
        WHERE m.search_text @@ core_query
          AND m.scope = _keyword_leg.scope
          AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
          AND (f.source IS NULL OR m.source = f.source)
          AND (f.metadata IS NULL OR m.metadata @> f.metadata)
          AND (f.created_after IS NULL OR m.created_at >= f.created_after)
          AND (f.created_before IS NULL OR m.created_at < f.created_before)
        UNION ALL
        (SELECT m.id, m.search_text
         FROM animus.memories AS m
         WHERE extra_query IS NOT NULL
           AND m.search_text @@ extra_query AND NOT (m.search_text @@ core_query)
           AND m.scope = _keyword_leg.scope
           AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
           AND (f.source IS NULL OR m.source = f.source)
           AND (f.metadata IS NULL OR m.metadata @> f.metadata)
           AND (f.created_after IS NULL OR m.created_at >= f.created_after)
           AND (f.created_before IS NULL OR m.created_at < f.created_before)
         LIMIT extra_cap)
    )
    SELECT mt.id,
           sum(i.idf * (cardinality(u.positions) * 2.2)
               / (cardinality(u.positions)
                  + 1.2 * (0.25 + 0.75 * length(mt.search_text) / avg_length))) AS s
    FROM matched AS mt
    -- Only the query's lexemes, with their positions (term frequency): mark them with weight A
    -- and keep weight A. Both are C functions; unnesting the whole tsvector cost more.
    CROSS JOIN LATERAL unnest(ts_filter(setweight(mt.search_text, 'A', terms), '{a}')) AS u
    JOIN idf AS i ON i.lexeme = u.lexeme
    GROUP BY mt.id
    ORDER BY s DESC, mt.id
    LIMIT candidates;
END
$$;
COMMENT ON FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text, text) IS
    'Private: full-text candidates of one scope with their keyword score (bm25 by default); at '
    'most the 64 rarest query lexemes count; document frequencies are over every scope. Raises AN006 (query_text over 256 KiB), AN008 (unknown ranking).';

REVOKE EXECUTE ON FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text, text) FROM PUBLIC;

COMMIT;
