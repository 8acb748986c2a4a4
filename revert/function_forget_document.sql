-- Revert animus:function_forget_document from pg: restore the @v0.2.0 version (unscoped), its grants too.
BEGIN;

DROP FUNCTION animus.forget_document(text, text);

CREATE FUNCTION animus.forget_document(key text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    deleted bigint;
BEGIN
    IF forget_document.key IS NULL OR forget_document.key = '' THEN
        RAISE EXCEPTION 'key must not be empty'
            USING ERRCODE = 'AN008', HINT = 'Pass the key the memory or document was stored with.';
    END IF;
    DELETE FROM animus.memories AS m WHERE m.key = forget_document.key;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$$;
COMMENT ON FUNCTION animus.forget_document(text) IS
    'Delete the memory or every chunk of the document stored under key; returns how many rows '
    '(0 when the key is unknown). Raises AN008 (NULL or empty key).';
REVOKE EXECUTE ON FUNCTION animus.forget_document(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_document(text) TO animus_app;

COMMIT;
