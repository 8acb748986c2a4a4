-- Deploy animus:function__check_queue to pg
BEGIN;

CREATE FUNCTION animus._check_queue(queue_name text, must_exist boolean DEFAULT true)
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- The name becomes part of pgmq table names (q_<name>, a_<name>), so only a strict
    -- identifier is accepted: quotes, semicolons and non-ASCII never reach dynamic SQL.
    IF queue_name IS NULL OR length(queue_name) > 47 OR queue_name !~ '^[a-z_][a-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid queue name %', coalesce(quote_literal(left(queue_name, 64)), 'NULL')
            USING ERRCODE = 'AN001',
                  HINT = 'Use 1 to 47 characters: lower-case ASCII letters, digits and _, not starting with a digit.';
    END IF;
    IF must_exist AND NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = _check_queue.queue_name) THEN
        RAISE EXCEPTION 'unknown queue %', quote_literal(queue_name)
            USING ERRCODE = 'AN002',
                  HINT = format('Create it first: SELECT animus.create_queue(%L);', queue_name);
    END IF;
END
$$;

COMMENT ON FUNCTION animus._check_queue(text, boolean) IS
    'Private. Raises AN001 (invalid queue name) or, when must_exist, AN002 (unknown queue).';
REVOKE EXECUTE ON FUNCTION animus._check_queue(text, boolean) FROM PUBLIC;

COMMIT;
