-- Revert animus:function_fail_work from pg: back to the v0.1.0 signature and body
BEGIN;

DROP FUNCTION animus.fail_work(uuid, text, integer, integer);

CREATE FUNCTION animus.fail_work(work_id uuid, error text, retry_delay_seconds integer DEFAULT 0)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item_queue text;
    item_msg_id bigint;
    new_state text;
    current_state text;
BEGIN
    IF fail_work.retry_delay_seconds IS NULL OR fail_work.retry_delay_seconds < 0 THEN
        RAISE EXCEPTION 'retry_delay_seconds must be 0 or more, got %', coalesce(fail_work.retry_delay_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to retry at once.';
    END IF;
    IF octet_length(fail_work.error) > 4096 THEN
        RAISE EXCEPTION 'error is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Keep the error short; send the full trace to your logs.';
    END IF;
    UPDATE animus.work_items w
    SET state = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN 'dead' ELSE 'queued' END,
        outcome_error = fail_work.error,
        resolved_at = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN now() END,
        updated_at = now()
    WHERE w.id = fail_work.work_id AND w.state = 'running'
    RETURNING w.queue_name, w.pgmq_msg_id, w.state INTO item_queue, item_msg_id, new_state;
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w WHERE w.id = fail_work.work_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown work item %', coalesce(fail_work.work_id::text, 'NULL')
                USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work or read_work.';
        END IF;
        RAISE EXCEPTION 'work item % is %, not running', fail_work.work_id, current_state
            USING ERRCODE = 'AN004', HINT = 'Only an item delivered by read_work (state running) can fail.';
    END IF;
    IF new_state = 'dead' THEN
        PERFORM pgmq.archive(item_queue, item_msg_id);
    ELSE
        PERFORM pgmq.set_vt(item_queue, item_msg_id, fail_work.retry_delay_seconds);
    END IF;
    RETURN new_state;
END
$$;

COMMENT ON FUNCTION animus.fail_work(uuid, text, integer) IS
    'Report a failed attempt of a running item. Returns the new state: queued (visible again after '
    'retry_delay_seconds) or dead (attempts >= max_attempts, NULL means 5: message archived, key free). '
    'error is kept in outcome_error. Errors: AN003 unknown work item, AN004 not running, '
    'AN006 error over 4096 bytes, AN008 negative retry_delay_seconds.';
REVOKE EXECUTE ON FUNCTION animus.fail_work(uuid, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.fail_work(uuid, text, integer) TO animus_app;

COMMIT;
