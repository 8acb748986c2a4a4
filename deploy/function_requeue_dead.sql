-- Deploy animus:function_requeue_dead to pg
-- The new message carries the item's priority, as submit_work's do, so read_work orders it,
-- and a call that requeued anything notifies listening workers once (channel animus_work).
-- Bounded: at most max_items items per call (default 1000), so one call is one short statement
-- that holds few locks; an operator repeats it until it returns fewer rows than max_items.
-- Keys are claimed with submit_work's dedup-and-merge protocol (docs/queue.md, "Concurrency"),
-- in (work_type, dedup_key) order like a batch. An item that merges takes its own merged
-- submissions along, so work_provenance of the active item shows all of them.
-- The new message starts at the read count the item's last message reached, so a lease handed
-- out before the item died can never match a delivery of the new message.
-- Cancelled items are requeued only when named in work_ids: "all dead items" means the failed ones.
BEGIN;

CREATE OR REPLACE FUNCTION animus.requeue_dead(queue_name text, work_ids uuid[] DEFAULT NULL, max_items integer DEFAULT 1000)
    RETURNS SETOF animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    requeued boolean := false;
    dead record;
    active_id uuid;
    new_msg_id bigint;
    start_read_ct integer;
    missing_id uuid;
    wrong record;
    claimed boolean;
BEGIN
    PERFORM animus._check_queue(requeue_dead.queue_name);
    IF requeue_dead.max_items IS NULL OR requeue_dead.max_items NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'max_items must be between 1 and 10000, got %', coalesce(requeue_dead.max_items::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Requeue in rounds: call again until fewer than max_items rows come back.';
    END IF;
    IF requeue_dead.work_ids IS NOT NULL THEN
        SELECT x INTO missing_id FROM unnest(requeue_dead.work_ids) AS x
        WHERE NOT EXISTS (SELECT FROM animus.work_items w
                          WHERE w.id = x AND w.queue_name = requeue_dead.queue_name)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'no work item % in queue %', coalesce(missing_id::text, 'NULL'), requeue_dead.queue_name
                USING ERRCODE = 'AN003', HINT = 'Pass ids of dead items of this queue, or NULL for all of them.';
        END IF;
        SELECT w.id, w.state INTO wrong FROM animus.work_items w
        WHERE w.id = ANY (requeue_dead.work_ids) AND w.state <> 'dead' LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'work item % is %, not dead', wrong.id, wrong.state
                USING ERRCODE = 'AN004', HINT = 'Only dead items can be requeued.';
        END IF;
    END IF;

    FOR dead IN
        SELECT w.id, w.work_type, w.dedup_key, w.traceparent, w.tracestate, w.pgmq_msg_id, w.attempts, w.priority
        FROM animus.work_items w
        WHERE w.queue_name = requeue_dead.queue_name AND w.state = 'dead'
          AND (requeue_dead.work_ids IS NULL AND w.cancelled_at IS NULL OR w.id = ANY (requeue_dead.work_ids))
        ORDER BY w.work_type, w.dedup_key, w.created_at, w.id
        LIMIT requeue_dead.max_items
        FOR UPDATE
    LOOP
        claimed := false;
        LOOP
            IF dead.dedup_key IS NOT NULL THEN
                -- Its key was taken by a newer active item meanwhile: merge into that one, with
                -- the submissions that had merged into this item.
                active_id := animus._lock_active_item(dead.work_type, dead.dedup_key);
                IF active_id IS NOT NULL THEN
                    UPDATE animus.work_items w
                    SET state = 'merged', merged_into = active_id, updated_at = now(), resolved_at = now()
                    WHERE w.id = dead.id;
                    UPDATE animus.work_items w SET merged_into = active_id, updated_at = now()
                    WHERE w.merged_into = dead.id;
                    RETURN NEXT ROW(dead.id, 'merged', active_id, NULL)::animus.submit_result;
                    EXIT;
                END IF;
            END IF;
            BEGIN
                UPDATE animus.work_items w
                SET state = 'queued', attempts = 0, resolved_at = NULL, cancelled_at = NULL, updated_at = now()
                WHERE w.id = dead.id;
                claimed := true;
            EXCEPTION WHEN unique_violation THEN
                -- A concurrent submit took the key after the look above: go round and merge.
                NULL;
            END;
            EXIT WHEN claimed;
        END LOOP;
        IF claimed THEN
            start_read_ct := NULL;
            IF dead.pgmq_msg_id IS NOT NULL THEN
                EXECUTE format('SELECT read_ct FROM pgmq.%I WHERE msg_id = $1', animus._pgmq_relation(requeue_dead.queue_name, 'archive'))
                    INTO start_read_ct USING dead.pgmq_msg_id;
            END IF;
            new_msg_id := nextval(format('pgmq.%I', animus._pgmq_relation(requeue_dead.queue_name, 'msg_id_seq'))::regclass);
            EXECUTE format('INSERT INTO pgmq.%I (msg_id, read_ct, enqueued_at, vt, message, headers) OVERRIDING SYSTEM VALUE '
                           'VALUES ($1, $2, now(), clock_timestamp(), $3, $4)', animus._pgmq_relation(requeue_dead.queue_name, 'queue'))
                USING new_msg_id, greatest(coalesce(start_read_ct, 0), dead.attempts),
                      jsonb_build_object('work_id', dead.id, 'priority', coalesce(dead.priority, 0)),
                      CASE WHEN dead.traceparent IS NULL THEN NULL
                           ELSE jsonb_strip_nulls(jsonb_build_object('traceparent', dead.traceparent,
                                                                     'tracestate', dead.tracestate)) END;
            UPDATE animus.work_items w SET pgmq_msg_id = new_msg_id WHERE w.id = dead.id;
            RETURN NEXT ROW(dead.id, 'queued', NULL, new_msg_id)::animus.submit_result;
            requeued := true;
        END IF;
    END LOOP;
    -- The new messages are ready at once: wake listening workers, as submit_work does, with
    -- one notification per call however many items it requeued.
    IF requeued THEN
        PERFORM pg_notify('animus_work', requeue_dead.queue_name);
    END IF;
END
$$;

COMMENT ON FUNCTION animus.requeue_dead(text, uuid[], integer) IS
    'Operator: give dead items of a queue (all failed ones, or those in work_ids, cancelled ones included) a new '
    'pgmq message with attempts reset to 0, at most max_items (default 1000, up to 10000) per call: call again '
    'until fewer rows come back. An item whose dedup key is now held by another active item is merged into it '
    'instead, together with the submissions merged into it. Returns one submit_result per item (queued with the '
    'new msg_id, or merged). outcome_error keeps the last error. Errors: AN001 invalid queue name, AN002 unknown '
    'queue, AN003 an id is not an item of the queue, AN004 an item is not dead, AN008 max_items not in 1..10000.';
REVOKE EXECUTE ON FUNCTION animus.requeue_dead(text, uuid[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.requeue_dead(text, uuid[], integer) TO animus_ops;

COMMIT;
