-- Deploy animus:function_delete_work to pg
BEGIN;

CREATE FUNCTION animus.delete_work(queue_name text, msg_id bigint)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    current_state text;
BEGIN
    PERFORM animus._check_queue(delete_work.queue_name);
    UPDATE animus.work_items w
    SET state = 'dead', outcome_error = 'deleted with animus.delete_work', resolved_at = now(), updated_at = now()
    WHERE w.queue_name = delete_work.queue_name AND w.pgmq_msg_id = delete_work.msg_id
      AND w.state IN ('queued', 'running');
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w
        WHERE w.queue_name = delete_work.queue_name AND w.pgmq_msg_id = delete_work.msg_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no work item has message % in queue %', coalesce(delete_work.msg_id::text, 'NULL'), delete_work.queue_name
                USING ERRCODE = 'AN003', HINT = 'Pass the msg_id that read_work or submit_work returned for this queue.';
        END IF;
        RAISE EXCEPTION 'the work item of message % is already %', delete_work.msg_id, current_state
            USING ERRCODE = 'AN004', HINT = 'Only a queued or running item can be deleted.';
    END IF;
    RETURN pgmq.delete(delete_work.queue_name, delete_work.msg_id);
END
$$;

COMMENT ON FUNCTION animus.delete_work(text, bigint) IS
    'Low-level: delete the message and mark the item dead (outcome_error says it was deleted); its dedup key is free again. Returns true when pgmq had the message. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN003 no item has that msg_id in the queue, '
    'AN004 the item is already completed, dead or merged.';
REVOKE EXECUTE ON FUNCTION animus.delete_work(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.delete_work(text, bigint) TO animus_app;

COMMIT;
