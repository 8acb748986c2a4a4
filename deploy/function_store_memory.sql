-- Deploy animus:function_store_memory to pg
-- The checks live in animus._check_memory_fields (shared with store_memories), so both refuse
-- the same input with the same codes before the tsvector is built.
-- Scoped: the memory is stored in scope, and dedup is per (scope, memory_type, content).
-- The signature gained scope, so the six-argument function is dropped.
BEGIN;

DROP FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text);

CREATE FUNCTION animus.store_memory(content text, memory_type text, embedding public.vector,
                                    source text DEFAULT NULL, metadata jsonb DEFAULT '{}',
                                    embedding_model text DEFAULT NULL,
                                    scope text DEFAULT 'default')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    memory_id bigint;
BEGIN
    PERFORM animus._check_scope(store_memory.scope);
    PERFORM animus._check_memory_fields(store_memory.content, store_memory.memory_type,
                                        store_memory.embedding, store_memory.source,
                                        store_memory.metadata, store_memory.embedding_model);

    -- The unique (scope, memory_type, content_hash) key makes concurrent stores of the same content
    -- converge on one row: the loser of the race takes the DO UPDATE branch.
    INSERT INTO animus.memories AS m
        (scope, content, memory_type, source, metadata, embedding, embedding_model, content_hash)
    VALUES (store_memory.scope, store_memory.content, store_memory.memory_type, store_memory.source,
            coalesce(store_memory.metadata, '{}'), store_memory.embedding,
            store_memory.embedding_model,
            sha256(convert_to(store_memory.content, 'UTF8')))
    ON CONFLICT ON CONSTRAINT memories_dedup_key DO UPDATE
        SET metadata = m.metadata || EXCLUDED.metadata,
            embedding = EXCLUDED.embedding,
            embedding_model = EXCLUDED.embedding_model,
            updated_at = now()
    RETURNING m.id INTO memory_id;
    RETURN memory_id;
END
$$;
COMMENT ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text, text) IS
    'Store a memory in scope (default ''default'') and return its id. The same content with the '
    'same memory_type in the same scope returns the '
    'existing id: metadata is merged (new keys win), embedding and embedding_model are replaced '
    '(that is how a memory is re-embedded; source keeps its first value). '
    'Raises AN006 (content over 256 KiB, text field over 4 KiB, metadata over 1 MiB), '
    'AN008 (empty content or memory_type), AN012 (wrong dimension), AN013 (NULL embedding, or '
    'norm outside [1e-6, 1e12]: all zeros or too large for a single-precision cosine; pgvector '
    'itself refuses [], NaN and infinity), AN014 (metadata not an object), AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text, text) TO animus_app;

COMMIT;
