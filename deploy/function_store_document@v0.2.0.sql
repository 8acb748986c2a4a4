-- Deploy animus:function_store_document to pg
-- A keyed document is its chunks (chunk_index 0..n-1). Storing the key again replaces all of
-- them in the caller's one transaction: chunks are upserted by (key, chunk_index), in that
-- order (two concurrent stores of one key lock the same rows in the same order), and the
-- chunks past the new end are deleted. A chunk that did not change keeps its id and updated_at,
-- and moves no lexeme statistics. A single keyed memory is a document of one chunk.
BEGIN;

CREATE FUNCTION animus.store_document(key text, memory_type text, chunks jsonb,
                                      source text DEFAULT NULL, metadata jsonb DEFAULT '{}',
                                      embedding_model text DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
    item_no integer := 0;
    embeddings public.vector[] := '{}';
    item_embedding public.vector;
    n integer;
    err_state text;
    err_message text;
    err_hint text;
BEGIN
    IF store_document.key IS NULL OR store_document.key = '' THEN
        RAISE EXCEPTION 'key must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Use the document''s path or URL, or a message id.';
    END IF;
    IF octet_length(store_document.key) > 4096 THEN
        RAISE EXCEPTION 'key is limited to 4 KiB'
            USING ERRCODE = 'AN006', HINT = 'Use a shorter key, e.g. a path or a hash of the URL.';
    END IF;
    IF chunks IS NULL OR jsonb_typeof(chunks) <> 'array' OR jsonb_array_length(chunks) = 0 THEN
        RAISE EXCEPTION 'chunks must be a non-empty JSON array of objects'
            USING ERRCODE = 'AN007',
                  HINT = 'e.g. [{"content": "...", "embedding": [0.1, ...], "metadata": {...}}]; forget a document with forget_document.';
    END IF;
    n := jsonb_array_length(chunks);
    FOR item IN SELECT value FROM jsonb_array_elements(chunks) LOOP
        item_no := item_no + 1;
        IF jsonb_typeof(item) <> 'object'
           OR jsonb_typeof(item->'content') IS DISTINCT FROM 'string'
           OR jsonb_typeof(item->'embedding') IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'chunk % is not an object with string content and an embedding array', item_no
                USING ERRCODE = 'AN007', HINT = 'Each chunk needs content and embedding; metadata is optional.';
        END IF;
        BEGIN
            item_embedding := (item->>'embedding')::public.vector;
        EXCEPTION
            WHEN program_limit_exceeded THEN
                RAISE EXCEPTION 'chunk %: embedding has more dimensions than this database stores (%)', item_no, animus.embedding_dim()
                    USING ERRCODE = 'AN012', HINT = 'Use the embedding model the database was deployed for.';
            WHEN data_exception THEN
                RAISE EXCEPTION 'chunk %: embedding is not a non-empty array of finite numbers within single precision', item_no
                    USING ERRCODE = 'AN013', HINT = 'Pass the embedding model''s output as a JSON array of numbers.';
        END;
        embeddings := embeddings || item_embedding;
        BEGIN
            PERFORM animus._check_memory_fields(
                item->>'content', store_document.memory_type, item_embedding, store_document.source,
                CASE WHEN item->'metadata' IS NULL OR item->'metadata' = 'null'::jsonb
                     THEN coalesce(store_document.metadata, '{}')
                     ELSE coalesce(store_document.metadata, '{}') || item->'metadata' END,
                store_document.embedding_model);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                    err_hint = PG_EXCEPTION_HINT;
            RAISE EXCEPTION 'chunk %: %', item_no, err_message
                USING ERRCODE = err_state, HINT = coalesce(err_hint, '');
        END;
    END LOOP;
    IF jsonb_typeof(store_document.metadata) <> 'object' THEN
        RAISE EXCEPTION 'metadata must be a JSON object'
            USING ERRCODE = 'AN014', HINT = 'Wrap the value, e.g. {"tags": [...]}.';
    END IF;

    RETURN QUERY
    WITH input AS (
        SELECT (e.ord - 1)::integer AS chunk_index, e.value->>'content' AS content,
               coalesce(store_document.metadata, '{}')
                 || CASE WHEN jsonb_typeof(e.value->'metadata') = 'object' THEN e.value->'metadata'
                         ELSE '{}'::jsonb END
                 || jsonb_build_object('document', store_document.key, 'chunk', e.ord - 1) AS metadata,
               embeddings[e.ord] AS embedding
        FROM jsonb_array_elements(chunks) WITH ORDINALITY AS e(value, ord)
    ),
    stored AS (
        INSERT INTO animus.memories AS m
            (content, memory_type, source, metadata, embedding, embedding_model, content_hash,
             key, chunk_index)
        SELECT i.content, store_document.memory_type, store_document.source, i.metadata,
               i.embedding, store_document.embedding_model,
               sha256(convert_to(i.content, 'UTF8')), store_document.key, i.chunk_index
        FROM input AS i
        ORDER BY i.chunk_index
        ON CONFLICT ON CONSTRAINT memories_key_chunk DO UPDATE
            SET content = EXCLUDED.content,
                content_hash = EXCLUDED.content_hash,
                memory_type = EXCLUDED.memory_type,
                source = EXCLUDED.source,
                metadata = EXCLUDED.metadata,
                embedding = EXCLUDED.embedding,
                embedding_model = EXCLUDED.embedding_model,
                updated_at = CASE
                    WHEN (m.content_hash, m.memory_type, m.source, m.metadata, m.embedding_model)
                         IS NOT DISTINCT FROM
                         (EXCLUDED.content_hash, EXCLUDED.memory_type, EXCLUDED.source,
                          EXCLUDED.metadata, EXCLUDED.embedding_model)
                     AND m.embedding::real[] = EXCLUDED.embedding::real[]
                    THEN m.updated_at ELSE now() END
        RETURNING m.id, m.chunk_index
    )
    SELECT s.id FROM stored AS s ORDER BY s.chunk_index;

    DELETE FROM animus.memories AS m
    WHERE m.key = store_document.key AND m.chunk_index >= n;
END
$$;
COMMENT ON FUNCTION animus.store_document(text, text, jsonb, text, jsonb, text) IS
    'Store the document (or single memory) named key as chunks: a non-empty JSON array of '
    '{content, embedding (array of numbers), metadata?}. Returns the chunk ids in order. Storing '
    'the key again replaces all of its chunks (ids of chunk positions are kept; chunks past the '
    'new end are deleted), whatever their memory_type was. Each chunk''s metadata is metadata || '
    'chunk metadata || {"document": key, "chunk": index}. Keyed chunks are never merged by '
    'content. Raises AN008 (empty key, memory_type or content), AN006 (key over 4 KiB and the '
    'limits of store_memory), AN007 (chunks not a non-empty array of objects with content and '
    'embedding), AN012, AN013, AN014.';
REVOKE EXECUTE ON FUNCTION animus.store_document(text, text, jsonb, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.store_document(text, text, jsonb, text, jsonb, text) TO animus_app;

COMMIT;
