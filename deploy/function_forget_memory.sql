-- Deploy animus:function_forget_memory to pg
-- Scoped: deletes only within scope; another scope's id is nothing to forget. The signature
-- gained scope, so the one-argument function is dropped.
BEGIN;

DROP FUNCTION animus.forget_memory(bigint);

CREATE FUNCTION animus.forget_memory(id bigint, scope text DEFAULT 'default')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_scope(forget_memory.scope);
    DELETE FROM animus.memories AS m WHERE m.id = forget_memory.id AND m.scope = forget_memory.scope;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION animus.forget_memory(bigint, text) IS
    'Delete one memory of scope (default ''default'') by id; true when it existed there, false '
    'when there was nothing to forget. Raises AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.forget_memory(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_memory(bigint, text) TO animus_app;

COMMIT;
