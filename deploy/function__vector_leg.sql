-- Deploy animus:function__vector_leg to pg
-- Deliberately NOT security definer and without SET clauses: only then can the planner inline
-- this SQL function into its callers (all security definer), so the query keeps the shape
-- ORDER BY embedding <=> q LIMIT n that the HNSW index serves. PUBLIC cannot execute it.
-- Scoped: "m.scope = scope" is always in the WHERE (callers validate it). With the scope as a
-- plain equality the planner weighs the shared HNSW (iterative scan, for a large scope)
-- against the scope's rows from the b-tree of memories_key_chunk sorted by distance (exact,
-- for a small scope), and a table partitioned by scope would be pruned to one partition.
-- A memory awaiting re-embedding (embedding NULL after animus.set_embedding_dim) has no
-- distance: HNSW never indexes it, but an exact scan (a small scope, a selective filter) would
-- return it last with a NULL distance, so the leg leaves it out explicitly.
-- The signature gained scope, so the three-argument function is dropped.
BEGIN;

DROP FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter);

CREATE FUNCTION animus._vector_leg(query_embedding public.vector, candidates integer,
                                   f animus.memory_filter, scope text)
RETURNS TABLE (id bigint, distance double precision)
LANGUAGE sql STABLE
AS $$
    SELECT m.id, m.embedding OPERATOR(public.<=>) query_embedding
    FROM animus.memories AS m
    WHERE m.scope = _vector_leg.scope
      AND m.embedding IS NOT NULL
      AND (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
      AND (f.source IS NULL OR m.source = f.source)
      AND (f.metadata IS NULL OR m.metadata @> f.metadata)
      AND (f.created_after IS NULL OR m.created_at >= f.created_after)
      AND (f.created_before IS NULL OR m.created_at < f.created_before)
    ORDER BY m.embedding OPERATOR(public.<=>) query_embedding
    LIMIT candidates
$$;
COMMENT ON FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter, text) IS
    'Private: the nearest memories of one scope by cosine distance (HNSW), filtered; callers '
    'validate the arguments and set hnsw.iterative_scan / ef_search. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter, text) FROM PUBLIC;

COMMIT;
