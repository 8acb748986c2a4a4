-- Deploy animus:function_store_memories to pg
-- One INSERT for the whole batch, its rows sorted by the dedup key (memory_type, content_hash):
-- two batches that share contents lock those rows in the same order whatever order their
-- callers listed them in, so they cannot deadlock (item by item, opposite orders did). The
-- statement triggers then run once per batch, which also updates the lexeme statistics in one
-- sorted pass. Repeats inside a batch are merged first, as successive store_memory calls
-- would merge them: first content and source, last embedding and embedding_model, metadata
-- merged in input order.
-- Scoped: the whole batch goes to one scope (the argument); the dedup key, and so the sort
-- order, is (scope, memory_type, content_hash) with the scope fixed. The signature gained
-- scope, so the one-argument function is dropped.
BEGIN;

DROP FUNCTION animus.store_memories(jsonb);

CREATE FUNCTION animus.store_memories(items jsonb, scope text DEFAULT 'default')
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
    item_no integer := 0;
    embeddings public.vector[];
    item_embedding public.vector;
    err_state text;
    err_message text;
    err_hint text;
BEGIN
    PERFORM animus._check_scope(store_memories.scope);
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
        -- A batch has one scope, the argument: an item that names its own would otherwise be
        -- stored in the argument's scope (the default one) without a word.
        IF item ? 'scope' THEN
            RAISE EXCEPTION 'item % has a scope; the scope is an argument of store_memories', item_no
                USING ERRCODE = 'AN007', HINT = 'Pass scope => ''...'' for the whole batch, one call per scope.';
        END IF;
        IF (item ? 'source' AND jsonb_typeof(item->'source') NOT IN ('string', 'null'))
           OR (item ? 'embedding_model' AND jsonb_typeof(item->'embedding_model') NOT IN ('string', 'null')) THEN
            RAISE EXCEPTION 'item %: source and embedding_model must be strings', item_no
                USING ERRCODE = 'AN007', HINT = 'Omit them or pass strings.';
        END IF;
    END LOOP;

    -- The embeddings in one pass; only when one fails to parse, find which (item by item).
    BEGIN
        SELECT array_agg((e.value->>'embedding')::public.vector ORDER BY e.ord) INTO embeddings
        FROM jsonb_array_elements(items) WITH ORDINALITY AS e(value, ord);
    EXCEPTION WHEN data_exception OR program_limit_exceeded THEN
        item_no := 0;
        FOR item IN SELECT value FROM jsonb_array_elements(items) LOOP
            item_no := item_no + 1;
            BEGIN
                item_embedding := (item->>'embedding')::public.vector;
            EXCEPTION
                WHEN program_limit_exceeded THEN  -- over pgvector's 16,000 dimensions
                    RAISE EXCEPTION 'item %: embedding has more dimensions than this database stores (%)', item_no, animus.embedding_dim()
                        USING ERRCODE = 'AN012', HINT = 'Use the embedding model the database was deployed for.';
                WHEN data_exception THEN  -- not numbers, NaN, infinity, out of single precision
                    RAISE EXCEPTION 'item %: embedding is not a non-empty array of finite numbers within single precision', item_no
                        USING ERRCODE = 'AN013', HINT = 'Pass the embedding model''s output as a JSON array of numbers.';
            END;
        END LOOP;
    END;

    item_no := 0;
    BEGIN
        FOR item IN SELECT value FROM jsonb_array_elements(items) LOOP
            item_no := item_no + 1;
            PERFORM animus._check_memory_fields(
                item->>'content', item->>'memory_type', embeddings[item_no], item->>'source',
                CASE WHEN item->'metadata' = 'null'::jsonb THEN NULL ELSE item->'metadata' END,
                item->>'embedding_model');
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        -- Say which item failed, keeping its SQLSTATE; nothing has been written.
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                err_hint = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'item %: %', item_no, err_message
            USING ERRCODE = err_state, HINT = coalesce(err_hint, '');
    END;

    RETURN QUERY
    WITH input AS (
        SELECT e.ord, e.value->>'content' AS content, e.value->>'memory_type' AS memory_type,
               e.value->>'source' AS source, e.value->>'embedding_model' AS embedding_model,
               CASE WHEN e.value->'metadata' IS NULL OR e.value->'metadata' = 'null'::jsonb
                    THEN '{}'::jsonb ELSE e.value->'metadata' END AS metadata,
               embeddings[e.ord] AS embedding,
               sha256(convert_to(e.value->>'content', 'UTF8')) AS content_hash
        FROM jsonb_array_elements(items) WITH ORDINALITY AS e(value, ord)
    ),
    merged AS (
        SELECT i.memory_type, i.content_hash, min(i.ord) AS first_ord,
               (array_agg(i.content ORDER BY i.ord))[1] AS content,
               (array_agg(i.source ORDER BY i.ord))[1] AS source,
               (array_agg(i.embedding ORDER BY i.ord DESC))[1] AS embedding,
               (array_agg(i.embedding_model ORDER BY i.ord DESC))[1] AS embedding_model,
               -- jsonb_object_agg keeps the last value of a repeated key: later items win
               coalesce((SELECT jsonb_object_agg(kv.key, kv.value ORDER BY j.ord)
                         FROM input AS j CROSS JOIN LATERAL jsonb_each(j.metadata) AS kv
                         WHERE j.memory_type = i.memory_type AND j.content_hash = i.content_hash),
                        '{}'::jsonb) AS metadata
        FROM input AS i
        GROUP BY i.memory_type, i.content_hash
    ),
    -- New rows keep ids in input order, as item-by-item stores gave them: the ids are drawn
    -- in input order (PostgreSQL evaluates a volatile output column after the ORDER BY), the
    -- rows are then written in key order.
    numbered AS MATERIALIZED (
        SELECT mg.*, nextval('animus.memories_id_seq'::regclass) AS new_id
        FROM merged AS mg
        ORDER BY mg.first_ord
    ),
    stored AS (
        INSERT INTO animus.memories AS m
            (id, scope, content, memory_type, source, metadata, embedding, embedding_model, content_hash)
        SELECT nb.new_id, store_memories.scope, nb.content, nb.memory_type, nb.source, nb.metadata, nb.embedding,
               nb.embedding_model, nb.content_hash
        FROM numbered AS nb
        ORDER BY nb.memory_type, nb.content_hash
        ON CONFLICT ON CONSTRAINT memories_dedup_key DO UPDATE
            SET metadata = m.metadata || EXCLUDED.metadata,
                embedding = EXCLUDED.embedding,
                embedding_model = EXCLUDED.embedding_model,
                updated_at = now()
        RETURNING m.id, m.memory_type, m.content_hash
    )
    SELECT s.id
    FROM input AS i
    JOIN stored AS s ON s.memory_type = i.memory_type AND s.content_hash = i.content_hash
    ORDER BY i.ord;
END
$$;
COMMENT ON FUNCTION animus.store_memories(jsonb, text) IS
    'Store many memories in one call, all in scope (default ''default''): items is a JSON array of {content, memory_type, embedding '
    '(array of numbers), source?, metadata?, embedding_model?}. Returns one id per item, in input '
    'order, with store_memory''s dedup (a repeated item returns the same id). All or nothing; '
    'rows are written in dedup-key order, so concurrent batches cannot deadlock. '
    'Raises AN007 (not an array of objects, a required field missing, or an item with its own '
    'scope), and per item the '
    'errors of store_memory: AN006, AN008, AN012 (also over 16,000 dimensions), AN013 (also '
    'components outside single precision), AN014, AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.store_memories(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.store_memories(jsonb, text) TO animus_app;

COMMIT;
