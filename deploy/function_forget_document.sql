-- Deploy animus:function_forget_document to pg
-- Scoped: deletes the key's chunks within scope only. The signature gained scope, so the
-- one-argument function is dropped.
BEGIN;

DROP FUNCTION animus.forget_document(text);

CREATE FUNCTION animus.forget_document(key text, scope text DEFAULT 'default')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    deleted bigint;
BEGIN
    PERFORM animus._check_scope(forget_document.scope);
    IF forget_document.key IS NULL OR forget_document.key = '' THEN
        RAISE EXCEPTION 'key must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Pass the key the memory or document was stored with.';
    END IF;
    DELETE FROM animus.memories AS m
    WHERE m.scope = forget_document.scope AND m.key = forget_document.key;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$$;
COMMENT ON FUNCTION animus.forget_document(text, text) IS
    'Delete the memory or every chunk of the document stored under key in scope (default '
    '''default''); returns how many rows (0 when the scope has no such key). Raises AN008 (NULL '
    'or empty key), AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.forget_document(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_document(text, text) TO animus_app;

COMMIT;
