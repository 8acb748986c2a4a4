-- Revert animus:function_requeue_dead from pg: back to the v0.1.0 signature and body
BEGIN;

DROP FUNCTION animus.requeue_dead(text, uuid[], integer);

CREATE FUNCTION animus.requeue_dead(queue_name text, work_ids uuid[] DEFAULT NULL)
    RETURNS SETOF animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    dead record;
    active_id uuid;
    new_msg_id bigint;
    missing_id uuid;
    wrong record;
BEGIN
    PERFORM animus._check_queue(requeue_dead.queue_name);
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
        SELECT w.id, w.work_type, w.dedup_key, w.traceparent, w.tracestate
        FROM animus.work_items w
        WHERE w.queue_name = requeue_dead.queue_name AND w.state = 'dead'
          AND (requeue_dead.work_ids IS NULL OR w.id = ANY (requeue_dead.work_ids))
        ORDER BY w.created_at, w.id
        FOR UPDATE
    LOOP
        LOOP
            IF dead.dedup_key IS NOT NULL THEN
                -- Its key was taken by a newer active item meanwhile: merge into that one.
                SELECT w.id INTO active_id FROM animus.work_items w
                WHERE w.work_type = dead.work_type AND w.dedup_key = dead.dedup_key
                  AND w.state NOT IN ('completed', 'dead', 'merged')
                FOR SHARE;
                IF FOUND THEN
                    UPDATE animus.work_items w
                    SET state = 'merged', merged_into = active_id, updated_at = now(), resolved_at = now()
                    WHERE w.id = dead.id;
                    RETURN NEXT ROW(dead.id, 'merged', active_id, NULL)::animus.submit_result;
                    EXIT;
                END IF;
            END IF;
            BEGIN
                new_msg_id := pgmq.send(requeue_dead.queue_name, jsonb_build_object('work_id', dead.id),
                    CASE WHEN dead.traceparent IS NULL THEN NULL
                         ELSE jsonb_strip_nulls(jsonb_build_object('traceparent', dead.traceparent,
                                                                   'tracestate', dead.tracestate)) END,
                    0);
                UPDATE animus.work_items w
                SET state = 'queued', attempts = 0, pgmq_msg_id = new_msg_id, resolved_at = NULL,
                    updated_at = now()
                WHERE w.id = dead.id;
                RETURN NEXT ROW(dead.id, 'queued', NULL, new_msg_id)::animus.submit_result;
                EXIT;
            EXCEPTION WHEN unique_violation THEN
                -- A concurrent submit took the key after our check: the block undid the send;
                -- go round and merge into it.
                NULL;
            END;
        END LOOP;
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus.requeue_dead(text, uuid[]) IS
    'Operator: give dead items of a queue (all, or those in work_ids) a new pgmq message with attempts '
    'reset to 0. An item whose dedup key is now held by another active item is merged into it instead. '
    'Returns one submit_result per item (queued with the new msg_id, or merged). outcome_error keeps the '
    'last error. Errors: AN001 invalid queue name, AN002 unknown queue, AN003 an id is not an item of '
    'the queue, AN004 an item is not dead.';
REVOKE EXECUTE ON FUNCTION animus.requeue_dead(text, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.requeue_dead(text, uuid[]) TO animus_ops;

COMMIT;
