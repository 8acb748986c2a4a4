-- Revert animus:function_store_memories from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
BEGIN;

CREATE OR REPLACE FUNCTION animus.store_memories(items jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
    item_no integer := 0;
    item_embedding public.vector;
    err_state text;
    err_message text;
    err_hint text;
BEGIN
    IF items IS NULL OR jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION 'items must be a JSON array of objects'
            USING ERRCODE = 'AN007',
                  HINT = 'e.g. [{"content": "...", "memory_type": "semantic", "embedding": [0.1, ...]}]';
    END IF;
    -- Check the shape of every item before storing any, so a bad batch writes nothing.
    FOR item IN SELECT value FROM jsonb_array_elements(items) LOOP
        item_no := item_no + 1;
        IF jsonb_typeof(item) <> 'object'
           OR jsonb_typeof(item->'content') IS DISTINCT FROM 'string'
           OR jsonb_typeof(item->'memory_type') IS DISTINCT FROM 'string'
           OR jsonb_typeof(item->'embedding') NOT IN ('array', 'string')
           OR item->'embedding' IS NULL THEN
            RAISE EXCEPTION 'item % is not an object with string content, string memory_type and an embedding', item_no
                USING ERRCODE = 'AN007',
                      HINT = 'Each item needs content, memory_type and embedding (a JSON array of numbers); source, metadata and embedding_model are optional.';
        END IF;
        IF (item ? 'source' AND jsonb_typeof(item->'source') NOT IN ('string', 'null'))
           OR (item ? 'embedding_model' AND jsonb_typeof(item->'embedding_model') NOT IN ('string', 'null')) THEN
            RAISE EXCEPTION 'item %: source and embedding_model must be strings', item_no
                USING ERRCODE = 'AN007', HINT = 'Omit them or pass strings.';
        END IF;
    END LOOP;

    item_no := 0;
    BEGIN
        FOR item IN SELECT value FROM jsonb_array_elements(items) LOOP
            item_no := item_no + 1;
            BEGIN
                item_embedding := (item->>'embedding')::public.vector;
            EXCEPTION WHEN data_exception THEN
                RAISE EXCEPTION 'embedding is not a finite, non-empty vector'
                    USING ERRCODE = 'AN013', HINT = 'Pass a JSON array of finite numbers.';
            END;
            RETURN NEXT animus.store_memory(
                content => item->>'content',
                memory_type => item->>'memory_type',
                embedding => item_embedding,
                source => item->>'source',
                metadata => CASE WHEN item->'metadata' IS NULL OR item->'metadata' = 'null'::jsonb
                                 THEN '{}'::jsonb ELSE item->'metadata' END,
                embedding_model => item->>'embedding_model');
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        -- Say which item failed, keeping its SQLSTATE; the whole batch is rolled back.
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                err_hint = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'item %: %', item_no, err_message
            USING ERRCODE = err_state, HINT = coalesce(err_hint, '');
    END;
END
$$;
COMMENT ON FUNCTION animus.store_memories(jsonb) IS
    'Store many memories in one call: items is a JSON array of {content, memory_type, embedding '
    '(array of numbers), source?, metadata?, embedding_model?}. Returns one id per item, in input '
    'order, with store_memory''s dedup (a repeated item returns the same id). All or nothing. '
    'Raises AN007 (not an array of objects, or a required field missing), and per item the '
    'errors of store_memory: AN006, AN008, AN012, AN013, AN014.';
REVOKE EXECUTE ON FUNCTION animus.store_memories(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.store_memories(jsonb) TO animus_app;

COMMIT;
