-- Revert animus:function_store_memory from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
BEGIN;

CREATE OR REPLACE FUNCTION animus.store_memory(content text, memory_type text, embedding public.vector,
                                    source text DEFAULT NULL, metadata jsonb DEFAULT '{}',
                                    embedding_model text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    memory_id bigint;
BEGIN
    IF store_memory.content IS NULL OR store_memory.content = '' THEN
        RAISE EXCEPTION 'content must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Store the text the embedding was computed from.';
    END IF;
    IF octet_length(store_memory.content) > 1048576 THEN
        RAISE EXCEPTION 'content is % bytes, over the 1 MiB limit', octet_length(store_memory.content)
            USING ERRCODE = 'AN006', HINT = 'Split long documents into chunks before storing them.';
    END IF;
    IF store_memory.memory_type IS NULL OR store_memory.memory_type = '' THEN
        RAISE EXCEPTION 'memory_type must not be empty'
            USING ERRCODE = 'AN008', HINT = 'e.g. episodic, semantic, relational.';
    END IF;
    IF octet_length(store_memory.memory_type) > 4096 OR octet_length(store_memory.source) > 4096
       OR octet_length(store_memory.embedding_model) > 4096 THEN
        RAISE EXCEPTION 'memory_type, source and embedding_model are limited to 4 KiB each'
            USING ERRCODE = 'AN006', HINT = 'Put long descriptions in content or metadata.';
    END IF;
    IF store_memory.metadata IS NOT NULL AND jsonb_typeof(store_memory.metadata) <> 'object' THEN
        RAISE EXCEPTION 'metadata must be a JSON object, got %', jsonb_typeof(store_memory.metadata)
            USING ERRCODE = 'AN014', HINT = 'Wrap the value, e.g. {"tags": [...]}.';
    END IF;
    IF octet_length(store_memory.metadata::text) > 1048576 THEN
        RAISE EXCEPTION 'metadata is over the 1 MiB limit'
            USING ERRCODE = 'AN006', HINT = 'Keep metadata small; store large payloads elsewhere.';
    END IF;
    PERFORM animus._check_embedding(store_memory.embedding);

    -- The unique (memory_type, content_hash) key makes concurrent stores of the same content
    -- converge on one row: the loser of the race takes the DO UPDATE branch.
    INSERT INTO animus.memories AS m
        (content, memory_type, source, metadata, embedding, embedding_model, content_hash)
    VALUES (store_memory.content, store_memory.memory_type, store_memory.source,
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
COMMENT ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text) IS
    'Store a memory and return its id. The same content with the same memory_type returns the '
    'existing id: metadata is merged (new keys win), embedding and embedding_model are replaced '
    '(that is how a memory is re-embedded; source keeps its first value). '
    'Raises AN006 (content over 1 MiB, text field over 4 KiB, metadata over 1 MiB), '
    'AN008 (empty content or memory_type), AN012 (wrong dimension), AN013 (NULL or all-zero '
    'embedding; pgvector itself refuses [], NaN and infinity with 22000), AN014 (metadata not an object).';
REVOKE EXECUTE ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.store_memory(text, text, public.vector, text, jsonb, text) TO animus_app;

COMMIT;
