-- Deploy animus:function_read_work to pg
BEGIN;

CREATE FUNCTION animus.read_work(queue_name text, vt_seconds integer, qty integer DEFAULT 1)
    RETURNS SETOF animus.work_delivery
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    deliveries animus.work_delivery[];
    exhausted_msg_ids bigint[];
    msg_ids bigint[];
    read_cts integer[];
    enqueued_ats timestamptz[];
    vts timestamptz[];
    work_ids uuid[];
BEGIN
    IF read_work.vt_seconds IS NULL OR read_work.vt_seconds < 0 THEN
        RAISE EXCEPTION 'vt_seconds must be 0 or more, got %', coalesce(read_work.vt_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass how long the item stays invisible to other readers.';
    END IF;
    IF read_work.qty IS NULL OR read_work.qty NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'qty must be between 1 and 1000, got %', coalesce(read_work.qty::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Read at most 1000 messages per call.';
    END IF;
    -- Hot path: one primary-key probe; a miss lets _check_queue raise AN001 or AN002.
    IF NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = read_work.queue_name) THEN
        PERFORM animus._check_queue(read_work.queue_name);
    END IF;

    -- pgmq.read takes the messages (SKIP LOCKED, hidden for vt_seconds).
    SELECT array_agg(m.msg_id), array_agg(m.read_ct), array_agg(m.enqueued_at), array_agg(m.vt),
           array_agg((m.message->>'work_id')::uuid)
    INTO msg_ids, read_cts, enqueued_ats, vts, work_ids
    FROM pgmq.read(read_work.queue_name, read_work.vt_seconds, read_work.qty) AS m;
    IF msg_ids IS NULL THEN
        RETURN;
    END IF;

    -- One statement counts the attempt and marks the items running; an item whose attempts were
    -- already used up (its worker never reported back) is marked dead instead. The items are
    -- found by primary key (id = ANY), and the message columns joined on afterwards.
    WITH item AS (
        UPDATE animus.work_items w
        SET state = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN 'dead' ELSE 'running' END,
            attempts = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN w.attempts ELSE w.attempts + 1 END,
            outcome_error = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5)
                THEN format('dead-lettered by read_work: all %s attempts were used up without a report (last error: %s)',
                            coalesce(w.max_attempts, 5), coalesce(w.outcome_error, 'none'))
                ELSE w.outcome_error END,
            resolved_at = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN now() ELSE w.resolved_at END,
            updated_at = now()
        WHERE w.id = ANY (work_ids) AND w.state IN ('queued', 'running')
        RETURNING w.*
    )
    SELECT array_agg(ROW(m.msg_id, m.read_ct, m.enqueued_at, m.vt, i.id, i.queue_name, i.work_type,
                         i.dedup_key, i.source, i.trigger_info, i.params, i.priority, i.state,
                         i.parent_id, i.attempts, i.max_attempts, i.created_at, i.updated_at,
                         i.traceparent, i.tracestate)::animus.work_delivery ORDER BY m.msg_id)
               FILTER (WHERE i.state = 'running'),
           array_agg(m.msg_id) FILTER (WHERE i.state = 'dead')
    INTO deliveries, exhausted_msg_ids
    FROM item AS i
    JOIN unnest(msg_ids, read_cts, enqueued_ats, vts, work_ids) AS m(msg_id, read_ct, enqueued_at, vt, work_id)
      ON m.work_id = i.id;

    IF exhausted_msg_ids IS NOT NULL THEN
        PERFORM pgmq.archive(read_work.queue_name, exhausted_msg_ids);
    END IF;
    IF deliveries IS NOT NULL THEN
        RETURN QUERY SELECT * FROM unnest(deliveries);
    END IF;
END
$$;

COMMENT ON FUNCTION animus.read_work(text, integer, integer) IS
    'Read up to qty messages, hidden from other readers for vt_seconds, joined with their work items '
    '(params, metadata, the submitter''s traceparent/tracestate). Each delivery counts one attempt and '
    'sets state running. An item whose attempts are used up (max_attempts, NULL means 5) is '
    'dead-lettered (archived, state dead, outcome_error says why) instead of delivered. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN008 vt_seconds < 0 or qty not in 1..1000.';
REVOKE EXECUTE ON FUNCTION animus.read_work(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.read_work(text, integer, integer) TO animus_app;

COMMIT;
