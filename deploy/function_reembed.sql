-- Deploy animus:function_reembed to pg
-- Re-embedding is a loop in the client, which holds the embedder: fetch a batch of memories
-- whose embedding is missing or from another model (memories_to_reembed), embed their content,
-- write the vectors back (set_embeddings). Each batch records embedding_model as it is written,
-- so a run that is killed resumes where it stopped: the memories already done no longer match.
-- Paging is a keyset on the primary key (id > after_id ORDER BY id), so every batch is one
-- index range and a run visits each row once, however many are already done.
-- A model name is checked by animus._check_model_name in all three functions: over 4 KiB is
-- AN006, as for every text field (store_memory's embedding_model too); empty or NULL is AN008.
-- v0.3.0 had three copies of the check, and two of them said AN008 for a name over 4 KiB.
-- memories_to_reembed and count_to_reembed take an optional scope (NULL: every scope), so
-- `animus memory reembed --scope` re-embeds one tenant's memories; the signatures changed, so
-- v0.3.0's functions are dropped.
BEGIN;

DROP FUNCTION animus.memories_to_reembed(text, integer, bigint, text);
DROP FUNCTION animus.count_to_reembed(text, text);

-- Re-embedding pages through every scope's content and rewrites every scope's vectors, so a
-- role bound to scopes (animus.scope_bindings, for the roles animus._acting_roles names, as in
-- animus._check_scope) may not run it: a job for the operator's or the application's unbound role.
CREATE OR REPLACE FUNCTION animus._check_unbound(what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bound name;
BEGIN
    SELECT b.role_name INTO bound
    FROM animus.scope_bindings AS b
    WHERE b.role_name = ANY (animus._acting_roles())
    ORDER BY b.role_name
    LIMIT 1;
    IF bound IS NOT NULL THEN
        RAISE EXCEPTION 'role % is bound to scopes, and % spans every scope', bound, what
            USING ERRCODE = 'AN027',
                  HINT = 'Re-embed as a role without scope bindings (the application''s or an operator''s).';
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_unbound(text) IS
    'Private: raise AN027 when the login role or the current role is bound to scopes '
    '(animus.scope_bindings); the re-embedding functions span every scope.';
REVOKE EXECUTE ON FUNCTION animus._check_unbound(text) FROM PUBLIC;

CREATE FUNCTION animus._check_model_name(model text, what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF model IS NULL OR model = '' THEN
        RAISE EXCEPTION '% must be a non-empty model name', what
            USING ERRCODE = 'AN008', HINT = 'Name the embedding model, e.g. all-MiniLM-L6-v2.';
    END IF;
    IF octet_length(model) > 4096 THEN
        RAISE EXCEPTION '% is over the 4 KiB limit of a text field', what
            USING ERRCODE = 'AN006', HINT = 'Name the embedding model, e.g. all-MiniLM-L6-v2.';
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_model_name(text, text) IS
    'Private: refuse a model name (the argument named what) that is NULL or empty (AN008) or over 4 KiB (AN006).';
REVOKE EXECUTE ON FUNCTION animus._check_model_name(text, text) FROM PUBLIC;

CREATE FUNCTION animus.memories_to_reembed(model text, batch_size integer DEFAULT 100,
                                           after_id bigint DEFAULT 0, memory_type text DEFAULT NULL,
                                           scope text DEFAULT NULL)
RETURNS TABLE (id bigint, content text, embedding_model text, content_hash bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_unbound('memories_to_reembed');
    IF memories_to_reembed.scope IS NOT NULL THEN
        PERFORM animus._check_scope(memories_to_reembed.scope);
    END IF;
    PERFORM animus._check_model_name(model, 'model');
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 1000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 1000, got %', batch_size
            USING ERRCODE = 'AN008', HINT = 'A few dozen to a few hundred texts per embedding call is typical.';
    END IF;
    IF after_id IS NULL THEN
        RAISE EXCEPTION 'after_id must not be NULL'
            USING ERRCODE = 'AN008', HINT = 'Start at 0 and pass the last id of each batch.';
    END IF;
    IF memories_to_reembed.memory_type = '' THEN
        RAISE EXCEPTION 'memory_type must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Omit it (NULL) for every memory type.';
    END IF;
    RETURN QUERY
    SELECT m.id, m.content, m.embedding_model, m.content_hash
    FROM animus.memories AS m
    WHERE m.id > memories_to_reembed.after_id
      AND (m.embedding IS NULL OR m.embedding_model IS DISTINCT FROM memories_to_reembed.model)
      AND (memories_to_reembed.memory_type IS NULL OR m.memory_type = memories_to_reembed.memory_type)
      AND (memories_to_reembed.scope IS NULL OR m.scope = memories_to_reembed.scope)
    ORDER BY m.id
    LIMIT memories_to_reembed.batch_size;
END
$$;
COMMENT ON FUNCTION animus.memories_to_reembed(text, integer, bigint, text, text) IS
    'The next batch (up to batch_size, 1..1000) of memories to re-embed with model: those without an '
    'embedding or whose embedding_model differs, optionally of one memory_type and of one scope (NULL: '
    'every scope), with id > after_id in id '
    'order (pass the last id of a batch to get the next). Returns id, content, the current '
    'embedding_model and content_hash (hand it back to set_embeddings). Read-only. Raises AN006 (model over '
    '4 KiB), AN008 (empty or NULL model, batch_size outside 1..1000, NULL after_id, empty memory_type), '
    'AN026 (bad scope), AN027 (a role bound to scopes).';
REVOKE EXECUTE ON FUNCTION animus.memories_to_reembed(text, integer, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.memories_to_reembed(text, integer, bigint, text, text) TO animus_app;

CREATE FUNCTION animus.count_to_reembed(model text, memory_type text DEFAULT NULL,
                                        scope text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_unbound('count_to_reembed');
    IF count_to_reembed.scope IS NOT NULL THEN
        PERFORM animus._check_scope(count_to_reembed.scope);
    END IF;
    PERFORM animus._check_model_name(model, 'model');
    RETURN (SELECT count(*) FROM animus.memories AS m
            WHERE (m.embedding IS NULL OR m.embedding_model IS DISTINCT FROM count_to_reembed.model)
              AND (count_to_reembed.memory_type IS NULL OR m.memory_type = count_to_reembed.memory_type)
              AND (count_to_reembed.scope IS NULL OR m.scope = count_to_reembed.scope));
END
$$;
COMMENT ON FUNCTION animus.count_to_reembed(text, text, text) IS
    'How many memories memories_to_reembed(model, ..., memory_type, scope) has left to return from the '
    'start: those without an embedding or whose embedding_model differs, of one scope or (NULL) every '
    'scope (a progress total; one scan). '
    'Read-only. Raises AN006 (model over 4 KiB), AN008 (empty or NULL model), AN026 (bad scope), AN027 '
    '(a role bound to scopes).';
REVOKE EXECUTE ON FUNCTION animus.count_to_reembed(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.count_to_reembed(text, text, text) TO animus_app;

CREATE OR REPLACE FUNCTION animus.set_embeddings(items jsonb, embedding_model text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
    item_no integer := 0;
    ids bigint[] := '{}';
    embeddings public.vector[] := '{}';
    hashes bytea[] := '{}';
    e public.vector;
    h bytea;
    written integer;
BEGIN
    PERFORM animus._check_unbound('set_embeddings');
    PERFORM animus._check_model_name(embedding_model, 'embedding_model');
    IF items IS NULL OR jsonb_typeof(items) <> 'array' OR jsonb_array_length(items) > 1000 THEN
        RAISE EXCEPTION 'items must be a JSON array of at most 1000 objects {id, embedding, content_hash?}'
            USING ERRCODE = 'AN031', HINT = 'e.g. [{"id": 42, "embedding": [0.1, ...]}], as memories_to_reembed returned them.';
    END IF;
    FOR item IN SELECT x.value FROM jsonb_array_elements(items) AS x LOOP
        item_no := item_no + 1;
        IF jsonb_typeof(item) IS DISTINCT FROM 'object'
           OR jsonb_typeof(item->'id') IS DISTINCT FROM 'number'
           OR jsonb_typeof(item->'embedding') IS DISTINCT FROM 'array'
           OR jsonb_typeof(item->'content_hash') NOT IN ('string', 'null') THEN
            RAISE EXCEPTION 'item % is not an object with a numeric id and an embedding array', item_no
                USING ERRCODE = 'AN031', HINT = 'Each item is {"id": ..., "embedding": [...]}, optionally "content_hash": "<hex>".';
        END IF;
        IF (item->>'id')::numeric NOT BETWEEN 1 AND 9223372036854775807
           OR (item->>'id')::numeric <> trunc((item->>'id')::numeric) THEN
            RAISE EXCEPTION 'item %: id % is not a memory id', item_no, item->>'id' USING ERRCODE = 'AN031';
        END IF;
        BEGIN
            h := decode(item->>'content_hash', 'hex');
        EXCEPTION WHEN invalid_parameter_value THEN
            RAISE EXCEPTION 'item %: content_hash is not hexadecimal', item_no USING ERRCODE = 'AN031';
        END;
        BEGIN
            e := (item->>'embedding')::public.vector;
            PERFORM animus._check_embedding(e);
        EXCEPTION
            WHEN program_limit_exceeded THEN
                RAISE EXCEPTION 'item %: embedding has more dimensions than this database stores (%)', item_no, animus.embedding_dim()
                    USING ERRCODE = 'AN012', HINT = 'Use the embedding model the database is set for.';
            WHEN data_exception THEN
                RAISE EXCEPTION 'item %: embedding is not a non-empty array of finite numbers within single precision', item_no
                    USING ERRCODE = 'AN013', HINT = 'Pass the embedding model''s output as a JSON array of numbers.';
            WHEN SQLSTATE 'AN012' OR SQLSTATE 'AN013' THEN
                RAISE EXCEPTION 'item %: %', item_no, SQLERRM USING ERRCODE = SQLSTATE;
        END;
        ids := ids || (item->>'id')::bigint;
        embeddings := embeddings || e;
        hashes := hashes || h;
    END LOOP;
    IF cardinality(ids) <> (SELECT count(DISTINCT u) FROM unnest(ids) AS u) THEN
        RAISE EXCEPTION 'items name the same id more than once' USING ERRCODE = 'AN031';
    END IF;

    -- Lock in id order, so two concurrent re-embeds of overlapping batches cannot deadlock.
    PERFORM 1 FROM animus.memories AS m WHERE m.id = ANY (ids) ORDER BY m.id FOR UPDATE;
    -- A memory forgotten since it was read is skipped, and so is one whose content changed
    -- (its update brought its own embedding). Content, dedup key and updated_at stay as
    -- they are: only the vector and its model change.
    UPDATE animus.memories AS m
    SET embedding = i.embedding, embedding_model = set_embeddings.embedding_model
    FROM unnest(ids, embeddings, hashes) AS i(id, embedding, content_hash)
    WHERE m.id = i.id AND (i.content_hash IS NULL OR m.content_hash = i.content_hash);
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
COMMENT ON FUNCTION animus.set_embeddings(jsonb, text) IS
    'Write re-computed embeddings: items is a JSON array (at most 1000) of {id, embedding, content_hash?}; '
    'each memory gets its embedding and embedding_model, nothing else changes (content, dedup key, '
    'metadata, updated_at). A memory forgotten since, or whose content_hash no longer matches, is '
    'skipped. Returns the number written. All or nothing. Raises AN006 (embedding_model over 4 KiB), '
    'AN008 (empty embedding_model), AN012 (wrong dimension), AN013 (not finite numbers, norm outside '
    '[1e-6, 1e12], beyond half precision above 2000 dimensions), AN031 (items not such an array, a bad '
    'id or content_hash, an id twice).';
REVOKE EXECUTE ON FUNCTION animus.set_embeddings(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.set_embeddings(jsonb, text) TO animus_app;

COMMIT;
