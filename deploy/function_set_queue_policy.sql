-- Deploy animus:function_set_queue_policy to pg
BEGIN;

CREATE FUNCTION animus.set_queue_policy(queue_name text, retry_base_seconds integer, retry_cap_seconds integer DEFAULT 3600)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM animus._check_queue(set_queue_policy.queue_name);
    IF set_queue_policy.retry_base_seconds IS NULL OR set_queue_policy.retry_base_seconds NOT BETWEEN 0 AND 86400 THEN
        RAISE EXCEPTION 'retry_base_seconds must be between 0 and 86400, got %',
                coalesce(set_queue_policy.retry_base_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to retry failed items at once.';
    END IF;
    IF set_queue_policy.retry_cap_seconds IS NULL
       OR set_queue_policy.retry_cap_seconds NOT BETWEEN set_queue_policy.retry_base_seconds AND 604800 THEN
        RAISE EXCEPTION 'retry_cap_seconds must be between retry_base_seconds (%) and 604800, got %',
                set_queue_policy.retry_base_seconds, coalesce(set_queue_policy.retry_cap_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'The cap is the longest wait between attempts, at most a week.';
    END IF;
    UPDATE animus.queues q
    SET retry_base_seconds = set_queue_policy.retry_base_seconds,
        retry_cap_seconds = set_queue_policy.retry_cap_seconds
    WHERE q.queue_name = set_queue_policy.queue_name;
END
$$;

COMMENT ON FUNCTION animus.set_queue_policy(text, integer, integer) IS
    'Set the retry policy of a queue: fail_work without an explicit delay waits min(cap, base * 2^(attempts-1)) '
    'seconds, half of it random. Base 0 (the default) retries at once. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN008 base not in 0..86400 or cap not in base..604800.';
REVOKE EXECUTE ON FUNCTION animus.set_queue_policy(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.set_queue_policy(text, integer, integer) TO animus_app, animus_ops;

COMMIT;
