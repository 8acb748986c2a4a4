-- Deploy animus:function_get_memory to pg
-- Read-only (STABLE, no writes), so it runs on a hot standby like the searches.
-- Scoped: an id names a memory within its scope only; another scope's id reads as absent,
-- so an id guessed across tenants reveals nothing. The scope is validated
-- (AN026).
-- The signature and the result (scope column) changed, so the old function is dropped.
BEGIN;

DROP FUNCTION animus.get_memory(bigint);

-- The lookup runs in a PL/pgSQL helper planned per call with the scope's value
-- (plan_cache_mode = force_custom_plan): on a table partitioned by scope
-- (animus.partition_memories) it visits one partition, where a SQL function's statement, planned
-- for any scope, visits them all. get_memory itself stays a SQL function because its argument
-- id and its result column id share a name, which PL/pgSQL refuses.
CREATE FUNCTION animus._get_memory(memory_id bigint, memory_scope text)
RETURNS TABLE (id bigint, content text, memory_type text, source text, metadata jsonb,
               embedding_model text, key text, chunk_index integer,
               created_at timestamptz, updated_at timestamptz, scope text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT m.id, m.content, m.memory_type, m.source, m.metadata, m.embedding_model, m.key,
           m.chunk_index, m.created_at, m.updated_at, m.scope
    FROM animus.memories AS m
    WHERE m.id = memory_id AND m.scope = memory_scope;
END
$$;
COMMENT ON FUNCTION animus._get_memory(bigint, text) IS
    'Private: the lookup of get_memory, planned per call so a partitioned table is pruned to the scope.';
REVOKE EXECUTE ON FUNCTION animus._get_memory(bigint, text) FROM PUBLIC;

CREATE FUNCTION animus.get_memory(id bigint, scope text DEFAULT 'default')
RETURNS TABLE (id bigint, content text, memory_type text, source text, metadata jsonb,
               embedding_model text, key text, chunk_index integer,
               created_at timestamptz, updated_at timestamptz, scope text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    -- A SQL function runs its statements in order and returns the last one's rows: the scope
    -- is checked even when no memory has the id.
    SELECT animus._check_scope(get_memory.scope);
    SELECT * FROM animus._get_memory(get_memory.id, get_memory.scope);
$$;
COMMENT ON FUNCTION animus.get_memory(bigint, text) IS
    'One memory by id within scope (default ''default''; no row when the scope holds none with '
    'that id): content, memory_type, source, metadata, embedding_model, key, chunk_index, '
    'created_at, updated_at, scope. Read-only. Raises AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.get_memory(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.get_memory(bigint, text) TO animus_app;

COMMIT;
