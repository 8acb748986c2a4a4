-- Deploy animus:function_fail_work to pg
-- Lock order (docs/queue.md, "Concurrency"): the message first (FOR UPDATE, with the lease
-- check), then the item.
-- Each failed attempt is recorded in animus.work_attempts, so the history outlives
-- outcome_error, which complete_work clears. The work type's policy (animus.work_type_policies,
-- read by primary key on this failure path only) comes before the queue's: its backoff through
-- animus._retry_delay (the one formula, reworked after this change), and its max_attempts
-- applies to an item submitted without one and is written onto the item when it is requeued,
-- so read_work's dead-lettering of a crashed worker's item counts the same attempts.
BEGIN;

CREATE OR REPLACE FUNCTION animus.fail_work(work_id uuid, error text, retry_delay_seconds integer DEFAULT NULL,
                                 lease integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    locked bigint;
    settled record;
    type_max_attempts integer;
BEGIN
    IF fail_work.retry_delay_seconds < 0 THEN
        RAISE EXCEPTION 'retry_delay_seconds must be 0 or more, got %', fail_work.retry_delay_seconds
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to retry at once, or NULL for the queue''s backoff policy.';
    END IF;
    IF octet_length(fail_work.error) > 4096 THEN
        RAISE EXCEPTION 'error is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Keep the error short; send the full trace to your logs.';
    END IF;
    SELECT w.queue_name, w.pgmq_msg_id, w.work_type INTO item
    FROM animus.work_items w WHERE w.id = fail_work.work_id AND w.state = 'running';
    IF FOUND THEN
        EXECUTE format('SELECT FROM pgmq.%I WHERE msg_id = $1 AND ($2::integer IS NULL OR read_ct = $2) FOR UPDATE',
                       animus._pgmq_relation(item.queue_name, 'queue'))
            USING item.pgmq_msg_id, fail_work.lease;
        -- EXECUTE leaves FOUND alone: the row count says whether the message was there.
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked > 0 THEN
            SELECT p.max_attempts INTO type_max_attempts
            FROM animus.work_type_policies p WHERE p.work_type = item.work_type;
            UPDATE animus.work_items w
            SET state = CASE WHEN w.attempts >= coalesce(w.max_attempts, type_max_attempts, 5) THEN 'dead' ELSE 'queued' END,
                max_attempts = coalesce(w.max_attempts, type_max_attempts),
                outcome_error = fail_work.error,
                resolved_at = CASE WHEN w.attempts >= coalesce(w.max_attempts, type_max_attempts, 5) THEN now() END,
                updated_at = now()
            WHERE w.id = fail_work.work_id AND w.state = 'running' AND w.pgmq_msg_id = item.pgmq_msg_id
            RETURNING w.state, w.attempts INTO settled;
            IF FOUND THEN
                INSERT INTO animus.work_attempts (work_id, attempt, kind, error)
                VALUES (fail_work.work_id, settled.attempts, 'failed', coalesce(fail_work.error, ''));
                IF settled.state = 'dead' THEN
                    PERFORM pgmq.archive(item.queue_name, item.pgmq_msg_id);
                ELSE
                    EXECUTE format('UPDATE pgmq.%I SET vt = clock_timestamp() + make_interval(secs => $2) WHERE msg_id = $1',
                                   animus._pgmq_relation(item.queue_name, 'queue'))
                        USING item.pgmq_msg_id,
                              coalesce(fail_work.retry_delay_seconds,
                                       animus._retry_delay(item.queue_name, settled.attempts, item.work_type), 0);
                END IF;
                RETURN settled.state;
            END IF;
        END IF;
    END IF;
    PERFORM animus._refuse_settle(fail_work.work_id, fail_work.lease, 'failed');
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION animus.fail_work(uuid, text, integer, integer) IS
    'Report a failed attempt of a running item. Returns the new state: queued (visible again after '
    'retry_delay_seconds, or when NULL after the backoff of the work type''s policy (set_work_type_policy), else '
    'the queue''s (set_queue_policy): min(cap, base * 2^(attempts-1)) s with jitter) or dead (attempts >= '
    'max_attempts; NULL means the type policy''s, else 5: message archived, key free). '
    'error is kept in outcome_error and recorded in animus.work_attempts. Pass the lease read_work returned: without one '
    'the call overrides whoever holds the item. Errors: AN003 unknown work item, AN004 not running, AN006 error '
    'over 4096 bytes, AN008 negative retry_delay_seconds, AN015 lease lost (delivered again since), AN016 the item '
    'was cancelled.';
REVOKE EXECUTE ON FUNCTION animus.fail_work(uuid, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.fail_work(uuid, text, integer, integer) TO animus_app;

COMMIT;
