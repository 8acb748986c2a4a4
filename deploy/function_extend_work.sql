-- Deploy animus:function_extend_work to pg
-- Lock order (docs/queue.md, "Concurrency"): the message first (its update checks the lease),
-- then the item. A heartbeat of a cancelled item raises AN016, which is how a worker learns of
-- the cancel.
BEGIN;

DROP FUNCTION animus.extend_work(uuid, integer);

CREATE FUNCTION animus.extend_work(work_id uuid, vt_seconds integer, lease integer DEFAULT NULL)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    new_vt timestamptz;
BEGIN
    IF extend_work.vt_seconds IS NULL OR extend_work.vt_seconds < 0 THEN
        RAISE EXCEPTION 'vt_seconds must be 0 or more, got %', coalesce(extend_work.vt_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass how many more seconds the item stays invisible.';
    END IF;
    SELECT w.queue_name, w.pgmq_msg_id INTO item
    FROM animus.work_items w WHERE w.id = extend_work.work_id AND w.state = 'running';
    IF FOUND THEN
        EXECUTE format('UPDATE pgmq.%I SET vt = clock_timestamp() + make_interval(secs => $3) '
                       'WHERE msg_id = $1 AND ($2::integer IS NULL OR read_ct = $2) RETURNING vt',
                       animus._pgmq_relation(item.queue_name, 'queue'))
            INTO new_vt USING item.pgmq_msg_id, extend_work.lease, extend_work.vt_seconds;
        IF new_vt IS NOT NULL THEN
            UPDATE animus.work_items w SET updated_at = now()
            WHERE w.id = extend_work.work_id AND w.state = 'running' AND w.pgmq_msg_id = item.pgmq_msg_id;
            IF FOUND THEN
                RETURN new_vt;
            END IF;
        END IF;
    END IF;
    PERFORM animus._refuse_settle(extend_work.work_id, extend_work.lease, 'extended');
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION animus.extend_work(uuid, integer, integer) IS
    'Heartbeat for long work: keep a running item invisible for vt_seconds more from now. Returns '
    'the new visibility deadline. Pass the lease read_work returned: without one the call overrides whoever '
    'holds the item. Errors: AN003 unknown work item, AN004 not running, AN008 vt_seconds < 0, '
    'AN015 lease lost (delivered again since), AN016 the item was cancelled (stop the work).';
REVOKE EXECUTE ON FUNCTION animus.extend_work(uuid, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.extend_work(uuid, integer, integer) TO animus_app;

COMMIT;
