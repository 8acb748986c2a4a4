-- Deploy animus:function_update_memory to pg
-- Changing content changes what the embedding means, so new content needs a new embedding
-- (AN020 without one): the row never pairs a text with another text's vector. The lexeme
-- statistics follow through the statement trigger on UPDATE, which moves the counts of the
-- rows whose tsvector changed.
-- Scoped: only a memory of scope is updated (another scope's id is absent: false), and the
-- content dedup it enforces (AN021) is within the scope. The signature gained scope, so the
-- five-argument function is dropped.
BEGIN;

DROP FUNCTION animus.update_memory(bigint, text, jsonb, public.vector, text);

CREATE FUNCTION animus.update_memory(id bigint, content text DEFAULT NULL,
                                     metadata jsonb DEFAULT NULL,
                                     embedding public.vector DEFAULT NULL,
                                     embedding_model text DEFAULT NULL,
                                     scope text DEFAULT 'default')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cur animus.memories%ROWTYPE;
    new_content text;
    new_embedding public.vector;
    new_model text;
    other_id bigint;
BEGIN
    PERFORM animus._check_scope(update_memory.scope);
    IF update_memory.content IS NULL AND update_memory.metadata IS NULL
       AND update_memory.embedding IS NULL AND update_memory.embedding_model IS NULL THEN
        RAISE EXCEPTION 'nothing to update'
            USING ERRCODE = 'AN008', HINT = 'Pass content (with its embedding), metadata or an embedding.';
    END IF;
    SELECT * INTO cur FROM animus.memories AS m WHERE m.id = update_memory.id AND m.scope = update_memory.scope FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    new_content := coalesce(update_memory.content, cur.content);
    IF new_content IS DISTINCT FROM cur.content AND update_memory.embedding IS NULL THEN
        RAISE EXCEPTION 'new content needs a new embedding'
            USING ERRCODE = 'AN020',
                  HINT = 'Embed the new content and pass it as embedding (the Python client does).';
    END IF;
    new_embedding := coalesce(update_memory.embedding, cur.embedding);
    new_model := coalesce(update_memory.embedding_model, cur.embedding_model);
    -- A memory awaiting re-embedding (set_embedding_dim emptied its vector) may have its
    -- metadata edited without a new vector; new content without one was refused above.
    PERFORM animus._check_memory_fields(new_content, cur.memory_type, new_embedding, cur.source,
                                        coalesce(update_memory.metadata, cur.metadata), new_model,
                                        embedding_optional => true);
    BEGIN
        UPDATE animus.memories AS m
        SET content = new_content,
            content_hash = sha256(convert_to(new_content, 'UTF8')),
            -- A chunk keeps naming its document, whatever metadata replaces the old.
            metadata = coalesce(update_memory.metadata, m.metadata)
                       || CASE WHEN m.key IS NULL THEN '{}'::jsonb
                               ELSE jsonb_build_object('document', m.key, 'chunk', m.chunk_index) END,
            embedding = new_embedding,
            embedding_model = new_model,
            updated_at = now()
        -- the scope too, though the id alone finds the row: on a table partitioned by scope
        -- (animus.partition_memories) it prunes the update to the scope's partition
        WHERE m.id = update_memory.id AND m.scope = cur.scope;
    EXCEPTION WHEN unique_violation THEN
        SELECT o.id INTO other_id FROM animus.memories AS o
        WHERE o.scope = cur.scope AND o.memory_type = cur.memory_type AND o.key IS NULL
          AND o.content_hash = sha256(convert_to(new_content, 'UTF8'));
        RAISE EXCEPTION 'memory % of type % already holds this content', other_id, cur.memory_type
            USING ERRCODE = 'AN021',
                  HINT = 'Forget one of the two, or update that memory instead.';
    END;
    RETURN true;
END
$$;
COMMENT ON FUNCTION animus.update_memory(bigint, text, jsonb, public.vector, text, text) IS
    'Update one memory of scope (default ''default'') in place and return true (false when the '
    'scope holds no memory with that id). NULL '
    'arguments keep the current value; metadata is replaced, not merged (a keyed chunk keeps its '
    'document and chunk keys); updated_at is set. '
    'Raises AN020 (content changed without a new embedding), AN021 (the new content is already '
    'another unkeyed memory of the same memory_type and scope), AN008 (nothing to update, empty content), '
    'and the field errors of store_memory: AN006, AN012, AN013, AN014; AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.update_memory(bigint, text, jsonb, public.vector, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.update_memory(bigint, text, jsonb, public.vector, text, text) TO animus_app;

COMMIT;
