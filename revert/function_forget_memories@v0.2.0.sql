-- Revert animus:function_forget_memories from pg: drop the new signature, restore the v0.1.0 one.
BEGIN;

DROP FUNCTION animus.forget_memories(jsonb, boolean);

CREATE FUNCTION animus.forget_memories(filters jsonb)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f animus.memory_filter;
    forgotten bigint;
BEGIN
    f := animus._parse_memory_filter(filters);
    IF f IS NULL OR (f.memory_types IS NULL AND f.source IS NULL AND f.metadata IS NULL
                     AND f.created_after IS NULL AND f.created_before IS NULL) THEN
        RAISE EXCEPTION 'forget_memories needs at least one filter'
            USING ERRCODE = 'AN008',
                  HINT = 'Name what to forget, e.g. {"memory_type": "scratch"}; to empty everything use a created_before in the future.';
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
COMMENT ON FUNCTION animus.forget_memories(jsonb) IS
    'Delete every memory matching filters (same keys as search_memory) and return how many. '
    'An empty filter is refused rather than read as "everything". '
    'Raises AN008 (no filter), AN010 (unknown filter key), AN011 (bad filter value).';
REVOKE EXECUTE ON FUNCTION animus.forget_memories(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_memories(jsonb) TO animus_app;

COMMIT;
