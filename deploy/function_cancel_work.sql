-- Deploy animus:function_cancel_work to pg
-- Lock order (docs/queue.md, "Concurrency"): the message first (archiving it locks it), then
-- the item. A cancelled item is dead with cancelled_at set: its key is free, its provenance and
-- the reason stay, and its worker hears of it at its next heartbeat (extend_work raises AN016).
BEGIN;

CREATE FUNCTION animus.cancel_work(work_id uuid, reason text)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    was text;
BEGIN
    IF coalesce(cancel_work.reason, '') = '' THEN
        RAISE EXCEPTION 'a cancel needs a reason'
            USING ERRCODE = 'AN008', HINT = 'Say why, e.g. ''superseded by a newer request''.';
    END IF;
    IF octet_length(cancel_work.reason) > 4096 THEN
        RAISE EXCEPTION 'reason is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Keep the reason short.';
    END IF;
    LOOP
        SELECT w.queue_name, w.pgmq_msg_id, w.state INTO item
        FROM animus.work_items w WHERE w.id = cancel_work.work_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown work item %', coalesce(cancel_work.work_id::text, 'NULL')
                USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work or read_work.';
        END IF;
        IF NOT animus._is_active(item.state) THEN
            RAISE EXCEPTION 'work item % is already %', cancel_work.work_id, item.state
                USING ERRCODE = 'AN004', HINT = 'Only a queued or running item can be cancelled.';
        END IF;
        IF item.pgmq_msg_id IS NOT NULL THEN
            EXECUTE format('WITH archived AS (DELETE FROM pgmq.%I WHERE msg_id = $1 '
                           'RETURNING msg_id, vt, read_ct, enqueued_at, last_read_at, message, headers) '
                           'INSERT INTO pgmq.%I (msg_id, vt, read_ct, enqueued_at, last_read_at, archived_at, message, headers) '
                           'SELECT msg_id, vt, read_ct, enqueued_at, last_read_at, now(), message, headers FROM archived',
                           animus._pgmq_relation(item.queue_name, 'queue'), animus._pgmq_relation(item.queue_name, 'archive'))
                USING item.pgmq_msg_id;
        END IF;
        -- The state it had once its message was locked (a read may have made it running).
        SELECT w.state INTO was FROM animus.work_items w
        WHERE w.id = cancel_work.work_id AND animus._is_active(w.state)
          AND w.pgmq_msg_id IS NOT DISTINCT FROM item.pgmq_msg_id;
        IF FOUND THEN
            UPDATE animus.work_items w
            SET state = 'dead', cancelled_at = now(), outcome_error = 'cancelled: ' || cancel_work.reason,
                resolved_at = now(), updated_at = now()
            WHERE w.id = cancel_work.work_id;
            RETURN was;
        END IF;
        -- It was settled (or requeued with a new message) before its message was locked: the
        -- next round reports or retries from its state now.
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus.cancel_work(uuid, text) IS
    'End a queued or running item: archive its message, state dead, cancelled_at set, outcome_error '
    '''cancelled: <reason>''. Its dedup key is free again and its provenance stays. A worker running it learns '
    'at its next heartbeat (extend_work raises AN016) and its result is refused. Returns the state it had '
    '(queued or running). Errors: AN003 unknown work item, AN004 already completed, dead or merged, '
    'AN006 reason over 4096 bytes, AN008 empty reason.';
REVOKE EXECUTE ON FUNCTION animus.cancel_work(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.cancel_work(uuid, text) TO animus_app, animus_ops;

COMMIT;
