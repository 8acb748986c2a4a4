-- Deploy animus:function__check_scope to pg
-- A scope is an identifier, not free text: it may become a partition name, a routing key and
-- a log field, so it is limited to 255 bytes of ASCII letters, digits and . _ : @ / = + -
-- (enough to compose 'acme/user:42/agent:planner' or an e-mail address). The table has the
-- same CHECK; this function gives the animus error before anything is written.
-- Every memory function calls it, so it is also where a role bound to its scopes
-- (animus.scope_bindings) is held to them: the login role (session_user) and the role the
-- session switched to with SET ROLE (the role setting, which a SECURITY DEFINER call leaves
-- alone) must each, when bound at all, be bound to the scope. Checking both means a bound
-- agent cannot escape with SET ROLE animus_app, and an operator testing from psql with SET
-- ROLE acme_agent sees what the agent sees.
BEGIN;

-- The roles a call acts as, for the bindings: the login role (session_user) and the role the
-- session switched to with SET ROLE (the role setting, which a SECURITY DEFINER call leaves
-- alone; 'none' when there was no SET ROLE). _check_scope and _check_unbound both ask this.
CREATE FUNCTION animus._acting_roles() RETURNS name[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[session_user,
                 CASE WHEN current_setting('role') = 'none' THEN session_user
                      ELSE current_setting('role')::name END];
$$;
COMMENT ON FUNCTION animus._acting_roles() IS
    'Private: the login role and the SET ROLE role of the session, the roles held to scope bindings.';
REVOKE EXECUTE ON FUNCTION animus._acting_roles() FROM PUBLIC;

CREATE FUNCTION animus._check_scope(scope text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    denied name;
BEGIN
    IF scope IS NULL OR scope = '' THEN
        RAISE EXCEPTION 'scope must not be empty'
            USING ERRCODE = 'AN026', HINT = 'Leave the argument out for the default scope, or name one, e.g. acme/user:42.';
    END IF;
    IF octet_length(scope) > 255 OR scope !~ '^[A-Za-z0-9._:@/=+-]+$' THEN
        RAISE EXCEPTION 'scope % is not 1..255 bytes of letters, digits and . _ : @ / = + -', quote_literal(left(scope, 80))
            USING ERRCODE = 'AN026', HINT = 'Compose it from ids, e.g. acme/user:42/agent:planner; hash an id that has other characters.';
    END IF;
    SELECT b.role_name INTO denied
    FROM animus.scope_bindings AS b
    WHERE b.role_name = ANY (animus._acting_roles())
    GROUP BY b.role_name
    HAVING NOT bool_or(b.scope = _check_scope.scope)
    ORDER BY b.role_name
    LIMIT 1;
    IF denied IS NOT NULL THEN
        RAISE EXCEPTION 'role % is not bound to scope %', denied, quote_literal(scope)
            USING ERRCODE = 'AN027',
                  HINT = 'Use a scope this role is bound to (an operator lists them in animus.scope_bindings and adds one with animus.bind_scope).';
    END IF;
    RETURN scope;
END
$$;
COMMENT ON FUNCTION animus._check_scope(text) IS
    'Private: validate a scope name and return it. Raises AN026 (NULL, empty, over 255 bytes, or '
    'a character outside letters, digits and . _ : @ / = + -), AN027 (the login role or the '
    'current role is bound to other scopes in animus.scope_bindings).';
REVOKE EXECUTE ON FUNCTION animus._check_scope(text) FROM PUBLIC;

COMMIT;
