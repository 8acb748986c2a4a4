-- Deploy animus:function_stored_documents to pg
-- What a scope holds under some document keys, without the chunks' text or vectors: an
-- importer compares it with the files it is about to store and skips the unchanged ones before
-- embedding anything (animus memory import keeps each file's content_sha256 in the metadata).
-- Read-only (STABLE), so it runs on a hot standby too.
BEGIN;

CREATE FUNCTION animus.stored_documents(keys text[], scope text DEFAULT 'default')
RETURNS TABLE (key text, chunks integer, memory_type text, source text, metadata jsonb,
               embedding_model text, updated_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Planned per call with the scope's value, so a table partitioned by scope is pruned to it.
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
BEGIN
    PERFORM animus._check_scope(stored_documents.scope);
    IF stored_documents.keys IS NULL OR cardinality(stored_documents.keys) > 10000 THEN
        RAISE EXCEPTION 'keys must be an array of at most 10000 document keys'
            USING ERRCODE = 'AN008',
                  HINT = 'Ask in batches, e.g. the keys of the files of one folder.';
    END IF;
    RETURN QUERY
    WITH docs AS (
        SELECT m.key, count(*)::integer AS chunks, max(m.updated_at) AS updated_at,
               CASE WHEN count(DISTINCT m.embedding_model) = 1
                     AND count(m.embedding_model) = count(*)
                    THEN min(m.embedding_model) END AS embedding_model
        FROM animus.memories AS m
        WHERE m.scope = stored_documents.scope AND m.key = ANY (stored_documents.keys)
        GROUP BY m.key
    )
    SELECT d.key, d.chunks, m.memory_type, m.source, m.metadata, d.embedding_model, d.updated_at
    FROM docs AS d
    JOIN animus.memories AS m
      ON m.scope = stored_documents.scope AND m.key = d.key AND m.chunk_index = 0
    ORDER BY d.key;
END
$$;
COMMENT ON FUNCTION animus.stored_documents(text[], text) IS
    'The documents (and keyed memories) stored in scope (default ''default'') under any of keys '
    '(at most 10000): key, chunks, and chunk 0''s memory_type, source and metadata, the '
    'embedding_model of every chunk (NULL when they differ or one has none), the last '
    'updated_at. A key the scope does not hold gives no row. Read-only. Raises AN008 (keys NULL '
    'or over 10000), AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.stored_documents(text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.stored_documents(text[], text) TO animus_app;

COMMIT;
