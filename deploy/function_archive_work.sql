-- Deploy animus:function_archive_work to pg
BEGIN;

CREATE FUNCTION animus.archive_work(queue_name text, msg_id bigint)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    current_state text;
BEGIN
    PERFORM animus._check_queue(archive_work.queue_name);
    UPDATE animus.work_items w
    SET state = 'completed', outcome_error = w.outcome_error, resolved_at = now(), updated_at = now()
    WHERE w.queue_name = archive_work.queue_name AND w.pgmq_msg_id = archive_work.msg_id
      AND w.state IN ('queued', 'running');
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w
        WHERE w.queue_name = archive_work.queue_name AND w.pgmq_msg_id = archive_work.msg_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no work item has message % in queue %', coalesce(archive_work.msg_id::text, 'NULL'), archive_work.queue_name
                USING ERRCODE = 'AN003', HINT = 'Pass the msg_id that read_work or submit_work returned for this queue.';
        END IF;
        RAISE EXCEPTION 'the work item of message % is already %', archive_work.msg_id, current_state
            USING ERRCODE = 'AN004', HINT = 'Only a queued or running item can be archived.';
    END IF;
    RETURN pgmq.archive(archive_work.queue_name, archive_work.msg_id);
END
$$;

COMMENT ON FUNCTION animus.archive_work(text, bigint) IS
    'Low-level: archive the message and mark the item completed; its dedup key is free again. Returns true when pgmq had the message. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN003 no item has that msg_id in the queue, '
    'AN004 the item is already completed, dead or merged.';
REVOKE EXECUTE ON FUNCTION animus.archive_work(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.archive_work(text, bigint) TO animus_app;

COMMIT;
