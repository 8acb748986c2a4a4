-- Deploy animus:function_forget_memory to pg
BEGIN;

CREATE FUNCTION animus.forget_memory(id bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM animus.memories AS m WHERE m.id = forget_memory.id;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION animus.forget_memory(bigint) IS
    'Delete one memory by id; true when it existed, false when there was nothing to forget. '
    'Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus.forget_memory(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.forget_memory(bigint) TO animus_app;

COMMIT;
