-- Revert animus:function__resolve_by_msg from pg: the v0.1.0 body
-- archive_work and delete_work differ only in the state they leave and the pgmq call they make;
-- finding the item by (queue, msg_id), resolving it and the errors are shared here.
BEGIN;

CREATE OR REPLACE FUNCTION animus._resolve_by_msg(queue_name text, msg_id bigint, to_state text,
                                       outcome_error text, verb text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    current_state text;
BEGIN
    PERFORM animus._check_queue(_resolve_by_msg.queue_name);
    UPDATE animus.work_items w
    SET state = _resolve_by_msg.to_state,
        outcome_error = coalesce(_resolve_by_msg.outcome_error, w.outcome_error),
        resolved_at = now(), updated_at = now()
    WHERE w.queue_name = _resolve_by_msg.queue_name AND w.pgmq_msg_id = _resolve_by_msg.msg_id
      AND w.state IN ('queued', 'running');
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w
        WHERE w.queue_name = _resolve_by_msg.queue_name AND w.pgmq_msg_id = _resolve_by_msg.msg_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no work item has message % in queue %',
                    coalesce(_resolve_by_msg.msg_id::text, 'NULL'), _resolve_by_msg.queue_name
                USING ERRCODE = 'AN003', HINT = 'Pass the msg_id that read_work or submit_work returned for this queue.';
        END IF;
        RAISE EXCEPTION 'the work item of message % is already %', _resolve_by_msg.msg_id, current_state
            USING ERRCODE = 'AN004', HINT = format('Only a queued or running item can be %s.', _resolve_by_msg.verb);
    END IF;
END
$$;

COMMENT ON FUNCTION animus._resolve_by_msg(text, bigint, text, text, text) IS
    'Private: move the queued or running item of (queue_name, msg_id) to to_state, setting outcome_error when given. '
    'Errors: AN001/AN002 from _check_queue, AN003 no item has that msg_id in the queue, AN004 the item is already resolved.';
REVOKE EXECUTE ON FUNCTION animus._resolve_by_msg(text, bigint, text, text, text) FROM PUBLIC;

COMMIT;
