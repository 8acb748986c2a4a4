-- Revert animus:function_get_memory from pg: restore the @v0.2.0 version (unscoped), its grants too.
-- Read-only (STABLE, no writes), so it runs on a hot standby like the searches.
BEGIN;

DROP FUNCTION animus.get_memory(bigint, text);
DROP FUNCTION animus._get_memory(bigint, text);

CREATE FUNCTION animus.get_memory(id bigint)
RETURNS TABLE (id bigint, content text, memory_type text, source text, metadata jsonb,
               embedding_model text, key text, chunk_index integer,
               created_at timestamptz, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.embedding_model, m.key,
           m.chunk_index, m.created_at, m.updated_at
    FROM animus.memories AS m
    WHERE m.id = get_memory.id
$$;
COMMENT ON FUNCTION animus.get_memory(bigint) IS
    'One memory by id (no row when there is none): content, memory_type, source, metadata, '
    'embedding_model, key, chunk_index, created_at, updated_at. Read-only. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus.get_memory(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.get_memory(bigint) TO animus_app;

COMMIT;
