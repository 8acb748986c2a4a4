-- Revert animus:function_complete_work from pg: back to the v0.1.0 signature and body
BEGIN;

DROP FUNCTION animus.complete_work(uuid, jsonb, bigint, integer);

CREATE FUNCTION animus.complete_work(work_id uuid, outcome_data jsonb DEFAULT NULL, outcome_ms bigint DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item_queue text;
    item_msg_id bigint;
    current_state text;
BEGIN
    IF complete_work.outcome_ms < 0 THEN
        RAISE EXCEPTION 'outcome_ms must not be negative, got %', complete_work.outcome_ms
            USING ERRCODE = 'AN008', HINT = 'Pass the duration of the work in milliseconds, or NULL.';
    END IF;
    IF octet_length(complete_work.outcome_data::text) > 1048576 THEN
        RAISE EXCEPTION 'outcome_data is over the 1 MiB limit'
            USING ERRCODE = 'AN006', HINT = 'Store large outputs elsewhere and pass a reference.';
    END IF;
    UPDATE animus.work_items w
    SET state = 'completed', outcome_data = complete_work.outcome_data,
        outcome_ms = complete_work.outcome_ms, resolved_at = now(), updated_at = now()
    WHERE w.id = complete_work.work_id AND w.state = 'running'
    RETURNING w.queue_name, w.pgmq_msg_id INTO item_queue, item_msg_id;
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w WHERE w.id = complete_work.work_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown work item %', coalesce(complete_work.work_id::text, 'NULL')
                USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work or read_work.';
        END IF;
        RAISE EXCEPTION 'work item % is %, not running', complete_work.work_id, current_state
            USING ERRCODE = 'AN004', HINT = 'Only an item delivered by read_work (state running) can be completed.';
    END IF;
    -- pgmq.archive's own statement, without its wrapper: move the message to the archive table
    -- (every column given, so planning it needs no column defaults).
    EXECUTE format('WITH archived AS (DELETE FROM pgmq.%I WHERE msg_id = $1 '
                   'RETURNING msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers) '
                   'INSERT INTO pgmq.%I (msg_id, vt, read_ct, enqueued_at, last_read_at, archived_at, message, headers) '
                   'SELECT msg_id, vt, read_ct, enqueued_at, last_read_at, now(), message, headers FROM archived',
                   'q_' || item_queue, 'a_' || item_queue)
        USING item_msg_id;
END
$$;

COMMENT ON FUNCTION animus.complete_work(uuid, jsonb, bigint) IS
    'Finish a running item: archive its message; state completed, outcome_data, outcome_ms, resolved_at. '
    'Its dedup key is free again. Errors: AN003 unknown work item, AN004 not running, '
    'AN006 outcome_data over 1 MiB, AN008 negative outcome_ms.';
REVOKE EXECUTE ON FUNCTION animus.complete_work(uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.complete_work(uuid, jsonb, bigint) TO animus_app;

COMMIT;
