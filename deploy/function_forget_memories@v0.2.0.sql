-- Deploy animus:function_forget_memories to pg
-- v0.1.0 refused {} but read {"metadata": {}} as "everything" (containment of {} is true for
-- every row) and deleted the whole table. The filter parser now reduces every filter that
-- cannot narrow anything to NULL, and a NULL filter deletes only with an explicit "all" => true.
-- The signature gains that argument, so the old one is dropped.
BEGIN;

DROP FUNCTION animus.forget_memories(jsonb);

CREATE FUNCTION animus.forget_memories(filters jsonb, "all" boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f animus.memory_filter;
    forgotten bigint;
BEGIN
    IF forget_memories."all" IS NULL THEN
        RAISE EXCEPTION 'all must be true or false'
            USING ERRCODE = 'AN008', HINT = 'Leave it out (false), or pass "all" => true to forget every memory.';
    END IF;
    f := animus._parse_memory_filter(filters);
    IF f IS NULL AND NOT forget_memories."all" THEN
        RAISE EXCEPTION 'forget_memories needs a filter that narrows what to forget'
            USING ERRCODE = 'AN008',
                  HINT = 'Name what to forget, e.g. {"memory_type": "scratch"}; to forget every memory pass "all" => true.';
    END IF;
    DELETE FROM animus.memories AS m
    WHERE (f.memory_types IS NULL OR m.memory_type = ANY (f.memory_types))
      AND (f.source IS NULL OR m.source = f.source)
      AND (f.metadata IS NULL OR m.metadata @> f.metadata)
      AND (f.created_after IS NULL OR m.created_at >= f.created_after)
      AND (f.created_before IS NULL OR m.created_at < f.created_before);
    GET DIAGNOSTICS forgotten = ROW_COUNT;
    RETURN forgotten;
END
$$;
COMMENT ON FUNCTION animus.forget_memories(jsonb, boolean) IS
    'Delete every memory matching filters (same keys as search_memory) and return how many. '
    'A filter that matches every row ({}, {"metadata": {}}, created_after -infinity, ...) is '
    'refused unless "all" => true (ALL is a reserved word: quote it). '
    'Raises AN008 (vacuous filter without all, all NULL), AN010 (unknown filter key), AN011 '
    '(bad filter value, e.g. an empty list of memory types).';
REVOKE EXECUTE ON FUNCTION animus.forget_memories(jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_memories(jsonb, boolean) TO animus_app;

COMMIT;
