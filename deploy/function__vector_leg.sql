-- Deploy animus:function__vector_leg to pg
-- Deliberately NOT security definer and without SET clauses: only then can the planner inline
-- this SQL function into its callers (all security definer), so the query keeps the shape
-- ORDER BY embedding <=> q LIMIT n that the HNSW index serves. PUBLIC cannot execute it.
-- A memory awaiting re-embedding (embedding NULL after animus.set_embedding_dim) has no
-- distance: HNSW never indexes it, but an exact scan (a small table, a selective filter) would
-- return it last with a NULL distance, so the leg leaves it out explicitly.
BEGIN;

CREATE OR REPLACE FUNCTION animus._vector_leg(query_embedding public.vector, candidates integer,
                                   f animus.memory_filter)
RETURNS TABLE (id bigint, distance double precision)
LANGUAGE sql STABLE
AS $$
    SELECT m.id, m.embedding OPERATOR(public.<=>) query_embedding
    FROM animus.memories AS m
    WHERE m.embedding IS NOT NULL
      AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
      AND (f.source IS NULL OR m.source = f.source)
      AND (f.metadata IS NULL OR m.metadata @> f.metadata)
      AND (f.created_after IS NULL OR m.created_at >= f.created_after)
      AND (f.created_before IS NULL OR m.created_at < f.created_before)
    ORDER BY m.embedding OPERATOR(public.<=>) query_embedding
    LIMIT candidates
$$;
COMMENT ON FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter) IS
    'Private: the nearest memories by cosine distance (HNSW), filtered; callers validate the '
    'arguments and set hnsw.iterative_scan / ef_search. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter) FROM PUBLIC;

COMMIT;
