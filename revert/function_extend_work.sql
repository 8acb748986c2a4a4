-- Revert animus:function_extend_work from pg: back to the v0.1.0 signature and body
BEGIN;

DROP FUNCTION animus.extend_work(uuid, integer, integer);

CREATE FUNCTION animus.extend_work(work_id uuid, vt_seconds integer)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item_queue text;
    item_msg_id bigint;
    current_state text;
    new_vt timestamptz;
BEGIN
    IF extend_work.vt_seconds IS NULL OR extend_work.vt_seconds < 0 THEN
        RAISE EXCEPTION 'vt_seconds must be 0 or more, got %', coalesce(extend_work.vt_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass how many more seconds the item stays invisible.';
    END IF;
    UPDATE animus.work_items w SET updated_at = now()
    WHERE w.id = extend_work.work_id AND w.state = 'running'
    RETURNING w.queue_name, w.pgmq_msg_id INTO item_queue, item_msg_id;
    IF NOT FOUND THEN
        SELECT w.state INTO current_state FROM animus.work_items w WHERE w.id = extend_work.work_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown work item %', coalesce(extend_work.work_id::text, 'NULL')
                USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work or read_work.';
        END IF;
        RAISE EXCEPTION 'work item % is %, not running', extend_work.work_id, current_state
            USING ERRCODE = 'AN004', HINT = 'Only an item delivered by read_work (state running) can be extended.';
    END IF;
    SELECT m.vt INTO new_vt FROM pgmq.set_vt(item_queue, item_msg_id, extend_work.vt_seconds) AS m;
    RETURN new_vt;
END
$$;

COMMENT ON FUNCTION animus.extend_work(uuid, integer) IS
    'Heartbeat for long work: keep a running item invisible for vt_seconds more from now. Returns '
    'the new visibility deadline. Errors: AN003 unknown work item, AN004 not running, AN008 vt_seconds < 0.';
REVOKE EXECUTE ON FUNCTION animus.extend_work(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.extend_work(uuid, integer) TO animus_app;

COMMIT;
