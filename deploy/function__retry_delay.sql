-- Deploy animus:function__retry_delay to pg
-- The one backoff formula. A work type's policy (animus.work_type_policies, set_work_type_policy)
-- wins over the queue's when it sets a base; fail_work passes the item's work type, so the
-- formula is not written twice.
BEGIN;

DROP FUNCTION animus._retry_delay(text, integer);

CREATE FUNCTION animus._retry_delay(queue_name text, attempts integer, work_type text DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p.base = 0 OR p.cap = 0 THEN 0
                ELSE floor(d.full / 2 + random() * d.full / 2)::integer END
    FROM animus.queues q
    LEFT JOIN animus.work_type_policies t
        ON t.work_type = _retry_delay.work_type AND t.retry_base_seconds IS NOT NULL
    CROSS JOIN LATERAL (
        SELECT coalesce(t.retry_base_seconds, q.retry_base_seconds) AS base,
               CASE WHEN t.work_type IS NOT NULL THEN t.retry_cap_seconds ELSE q.retry_cap_seconds END AS cap
    ) AS p
    CROSS JOIN LATERAL (
        -- The exponent is clamped so that the power cannot overflow; the cap binds long before.
        SELECT least(p.cap::float8,
                     p.base * power(2::float8, least(greatest(_retry_delay.attempts, 1) - 1, 30))) AS full
    ) AS d
    WHERE q.queue_name = _retry_delay.queue_name
$$;

COMMENT ON FUNCTION animus._retry_delay(text, integer, text) IS
    'Private. Seconds before a failed item of this queue (and work type) is retried after attempt number attempts: '
    'min(cap, base * 2^(attempts-1)), half of it random; 0 when the base or the cap is 0. The base and cap are the '
    'work type''s (animus.work_type_policies) when its policy sets a base, else the queue''s. NULL for an unknown queue.';
REVOKE EXECUTE ON FUNCTION animus._retry_delay(text, integer, text) FROM PUBLIC;

COMMIT;
