-- Deploy animus:function__retry_delay to pg
-- "Equal jitter": half of the exponential delay is fixed, half random, so retries of items that
-- failed together spread out but none comes back much earlier than the policy says.
BEGIN;

CREATE FUNCTION animus._retry_delay(queue_name text, attempts integer)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN q.retry_base_seconds = 0 OR q.retry_cap_seconds = 0 THEN 0
                ELSE floor(d.full / 2 + random() * d.full / 2)::integer END
    FROM animus.queues q
    CROSS JOIN LATERAL (
        -- The exponent is clamped so that the power cannot overflow; the cap binds long before.
        SELECT least(q.retry_cap_seconds::float8,
                     q.retry_base_seconds * power(2::float8, least(greatest(_retry_delay.attempts, 1) - 1, 30))) AS full
    ) AS d
    WHERE q.queue_name = _retry_delay.queue_name
$$;

COMMENT ON FUNCTION animus._retry_delay(text, integer) IS
    'Private. Seconds before a failed item of this queue is retried after attempt number attempts: '
    'min(cap, base * 2^(attempts-1)), half of it random; 0 when the base is 0. NULL for an unknown queue.';
REVOKE EXECUTE ON FUNCTION animus._retry_delay(text, integer) FROM PUBLIC;

COMMIT;
