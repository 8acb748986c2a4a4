-- Deploy animus:function__check_memory_fields to pg
-- embedding_optional (default false): a memory awaiting re-embedding holds no vector after
-- animus.set_embedding_dim, and an edit of its metadata alone must still pass. Only the caller
-- knows that case (update_memory, when neither a new nor a stored vector exists); every store
-- keeps the default and refuses a missing embedding (AN013).
-- The checks of one memory, shared by store_memory and store_memories, run before any row (and
-- so before the generated tsvector) is built.
--
-- Content is limited to 256 KiB. PostgreSQL refuses a tsvector whose lexemes and positions take
-- over 1 MiB (SQLSTATE 54000), and some text builds more tsvector than it has bytes: each part
-- of a hyphenated word is a lexeme of its own besides the whole word, so "a1-b1 a2-b2 ..." needs
-- about 3.7 bytes of tsvector per byte of text. An 800 KB text of ordinary words already failed.
-- 256 KiB times 4 stays under the limit for any text; longer documents belong in chunks anyway.
BEGIN;

DROP FUNCTION animus._check_memory_fields(text, text, public.vector, text, jsonb, text);

CREATE FUNCTION animus._check_memory_fields(content text, memory_type text, embedding public.vector,
                                            source text, metadata jsonb, embedding_model text,
                                            embedding_optional boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF content IS NULL OR content = '' THEN
        RAISE EXCEPTION 'content must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Store the text the embedding was computed from.';
    END IF;
    IF octet_length(content) > 262144 THEN
        RAISE EXCEPTION 'content is % bytes, over the 256 KiB limit', octet_length(content)
            USING ERRCODE = 'AN006',
                  HINT = 'Split long documents into chunks (a few paragraphs each) before storing them.';
    END IF;
    IF memory_type IS NULL OR memory_type = '' THEN
        RAISE EXCEPTION 'memory_type must not be empty'
            USING ERRCODE = 'AN008', HINT = 'e.g. episodic, semantic, relational.';
    END IF;
    IF octet_length(memory_type) > 4096 OR octet_length(source) > 4096
       OR octet_length(embedding_model) > 4096 THEN
        RAISE EXCEPTION 'memory_type, source and embedding_model are limited to 4 KiB each'
            USING ERRCODE = 'AN006', HINT = 'Put long descriptions in content or metadata.';
    END IF;
    IF metadata IS NOT NULL AND jsonb_typeof(metadata) <> 'object' THEN
        RAISE EXCEPTION 'metadata must be a JSON object, got %', jsonb_typeof(metadata)
            USING ERRCODE = 'AN014', HINT = 'Wrap the value, e.g. {"tags": [...]}.';
    END IF;
    IF octet_length(metadata::text) > 1048576 THEN
        RAISE EXCEPTION 'metadata is over the 1 MiB limit'
            USING ERRCODE = 'AN006', HINT = 'Keep metadata small; store large payloads elsewhere.';
    END IF;
    IF NOT (embedding_optional AND embedding IS NULL) THEN
        PERFORM animus._check_embedding(embedding);
    END IF;
END
$$;
COMMENT ON FUNCTION animus._check_memory_fields(text, text, public.vector, text, jsonb, text, boolean) IS
    'Private: validate one memory before it is stored. Raises AN006 (content over 256 KiB, text '
    'field over 4 KiB, metadata over 1 MiB), AN008 (empty content or memory_type), AN012, AN013 '
    '(see _check_embedding; a NULL embedding passes only with embedding_optional), AN014 (metadata not an object).';
REVOKE EXECUTE ON FUNCTION animus._check_memory_fields(text, text, public.vector, text, jsonb, text, boolean) FROM PUBLIC;

COMMIT;
