-- Revert animus:function_bind_scope from pg: back to @v0.3.0 (role_name name).
-- Operators bind an agent's role to the scopes it may use. A role with no binding may use any
-- scope: removing a role's last binding frees it, so unbind before you drop a tenant only when
-- the role itself goes too.
BEGIN;

DROP FUNCTION animus.bind_scope(text, text);
DROP FUNCTION animus.unbind_scope(text, text);

CREATE FUNCTION animus.bind_scope(role_name name, scope text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF bind_scope.role_name IS NULL
       OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles AS r WHERE r.rolname = bind_scope.role_name) THEN
        RAISE EXCEPTION 'no role named %', coalesce(quote_ident(bind_scope.role_name), 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Create the agent''s role first, e.g. CREATE ROLE acme_agent LOGIN IN ROLE animus_app.';
    END IF;
    IF bind_scope.scope IS NULL OR octet_length(bind_scope.scope) > 255
       OR bind_scope.scope !~ '^[A-Za-z0-9._:@/=+-]+$' THEN
        RAISE EXCEPTION 'scope % is not 1..255 bytes of letters, digits and . _ : @ / = + -',
                coalesce(quote_literal(left(bind_scope.scope, 80)), 'NULL')
            USING ERRCODE = 'AN026', HINT = 'e.g. acme or acme/user:42';
    END IF;
    INSERT INTO animus.scope_bindings AS b (role_name, scope)
    VALUES (bind_scope.role_name, bind_scope.scope)
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION animus.bind_scope(name, text) IS
    'Operators: allow role_name to use scope in the memory functions; once a role has a binding, '
    'every other scope is refused with AN027 (for the login role and for SET ROLE alike). '
    'Returns true when the binding is new. Raises AN008 (no such role), AN026 (bad scope).';
REVOKE EXECUTE ON FUNCTION animus.bind_scope(name, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.bind_scope(name, text) TO animus_ops;

CREATE FUNCTION animus.unbind_scope(role_name name, scope text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM animus.scope_bindings AS b
    WHERE b.role_name = unbind_scope.role_name
      AND (unbind_scope.scope IS NULL OR b.scope = unbind_scope.scope);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$;
COMMENT ON FUNCTION animus.unbind_scope(name, text) IS
    'Operators: remove role_name''s binding to scope (every binding of the role when scope is '
    'NULL) and return how many. A role left without bindings may use every scope again. '
    'Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus.unbind_scope(name, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.unbind_scope(name, text) TO animus_ops;

COMMIT;
