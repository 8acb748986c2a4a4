-- Deploy animus:function__check_scope to pg
-- A scope is an identifier, not free text: it may become a partition name, a routing key and
-- a log field, so it is limited to 255 bytes of ASCII letters, digits and . _ : @ / = + -
-- (enough to compose 'acme/user:42/agent:planner' or an e-mail address). The table has the
-- same CHECK; this function gives the animus error before anything is written.
BEGIN;

CREATE FUNCTION animus._check_scope(scope text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF scope IS NULL OR scope = '' THEN
        RAISE EXCEPTION 'scope must not be empty'
            USING ERRCODE = 'AN026', HINT = 'Leave the argument out for the default scope, or name one, e.g. acme/user:42.';
    END IF;
    IF octet_length(scope) > 255 OR scope !~ '^[A-Za-z0-9._:@/=+-]+$' THEN
        RAISE EXCEPTION 'scope % is not 1..255 bytes of letters, digits and . _ : @ / = + -', quote_literal(left(scope, 80))
            USING ERRCODE = 'AN026', HINT = 'Compose it from ids, e.g. acme/user:42/agent:planner; hash an id that has other characters.';
    END IF;
    RETURN scope;
END
$$;
COMMENT ON FUNCTION animus._check_scope(text) IS
    'Private: validate a scope name and return it. Raises AN026 (NULL, empty, over 255 bytes, or '
    'a character outside letters, digits and . _ : @ / = + -).';
REVOKE EXECUTE ON FUNCTION animus._check_scope(text) FROM PUBLIC;

COMMIT;
