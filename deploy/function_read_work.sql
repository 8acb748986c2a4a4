-- Deploy animus:function_read_work to pg
-- Each delivery now carries its lease: the message's read_ct after this read. Lock order
-- (docs/queue.md, "Concurrency"): the messages first (FOR UPDATE SKIP LOCKED, so a read never
-- waits for a message), then their items; every other writer of an item holds its message's
-- lock first, so the item updates here never wait either.
-- Priority (docs/queue.md, "Priority"): the visible messages are taken by the priority they
-- carry, highest first, then oldest msg_id first: strict priority, so a sustained backlog of a
-- higher priority starves the lower ones. The ORDER BY spells the expression of the queue's
-- index (animus._index_queue) exactly, so the index serves it and a read stops after qty rows.
-- The messages come from animus._read_messages: a static statement per queue, whose plan each
-- session keeps, where this function planned a dynamic one on every call.
BEGIN;

CREATE OR REPLACE FUNCTION animus.read_work(queue_name text, vt_seconds integer, qty integer DEFAULT 1)
    RETURNS SETOF animus.work_delivery
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    deliveries animus.work_delivery[];
    exhausted_msg_ids bigint[];
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

    -- One statement reads and settles: the queue's next messages through animus._read_messages
    -- (pgmq.read's statement, SKIP LOCKED, hidden for vt_seconds, in priority order; a static
    -- statement per queue, so no per-call planning), then the items they carry, found by
    -- primary key. The update counts the attempt and marks the items running; an item whose
    -- attempts were already used up (its worker never reported back) is marked dead instead.
    WITH msg AS (
        SELECT * FROM animus._read_messages(read_work.queue_name, read_work.vt_seconds, read_work.qty)
    ), item AS (
        UPDATE animus.work_items w
        SET state = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN 'dead' ELSE 'running' END,
            attempts = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN w.attempts ELSE w.attempts + 1 END,
            outcome_error = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5)
                THEN format('dead-lettered by read_work: all %s attempts were used up without a report (last error: %s)',
                            coalesce(w.max_attempts, 5), coalesce(w.outcome_error, 'none'))
                ELSE w.outcome_error END,
            resolved_at = CASE WHEN w.attempts >= coalesce(w.max_attempts, 5) THEN now() ELSE w.resolved_at END,
            updated_at = now()
        FROM msg
        WHERE w.id = msg.work_id AND animus._is_active(w.state)
        RETURNING msg.msg_id, msg.msg_priority, msg.read_ct, msg.enqueued_at, msg.vt, w.id, w.queue_name, w.work_type,
                  w.dedup_key, w.source, w.trigger_info, w.params, w.priority, w.state, w.parent_id,
                  w.attempts, w.max_attempts, w.created_at, w.updated_at, w.traceparent, w.tracestate
    )
    SELECT array_agg(ROW(i.msg_id, i.read_ct, i.enqueued_at, i.vt, i.id, i.queue_name, i.work_type,
                         i.dedup_key, i.source, i.trigger_info, i.params, i.priority, i.state,
                         i.parent_id, i.attempts, i.max_attempts, i.created_at, i.updated_at,
                         i.traceparent, i.tracestate, i.read_ct)::animus.work_delivery
                         ORDER BY i.msg_priority DESC, i.msg_id)
               FILTER (WHERE i.state = 'running'),
           array_agg(i.msg_id) FILTER (WHERE i.state = 'dead')
    INTO deliveries, exhausted_msg_ids
    FROM item AS i;

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
    'sets state running; higher priority first (the priority in the message; strict, so lower ones wait while higher ones are ready), '
    'then oldest first. Its lease (the message read_ct) goes to complete_work, fail_work and extend_work. An item whose attempts are used up (max_attempts, NULL means 5) is '
    'dead-lettered (archived, state dead, outcome_error says why) instead of delivered. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN008 vt_seconds < 0 or qty not in 1..1000.';
REVOKE EXECUTE ON FUNCTION animus.read_work(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.read_work(text, integer, integer) TO animus_app;

COMMIT;
