-- Deploy animus:function__refuse_settle to pg
-- complete_work, fail_work, extend_work and cancel_work try their change first and come here
-- only when it touched nothing, to say why. Lease checks compare the caller's lease with the
-- read_ct of the item's message: live, or archived once the item was settled.
BEGIN;

CREATE FUNCTION animus._refuse_settle(work_id uuid, lease integer, verb text)
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    current_read_ct integer;
BEGIN
    SELECT w.queue_name, w.pgmq_msg_id, w.state, w.cancelled_at, w.outcome_error INTO item
    FROM animus.work_items w WHERE w.id = _refuse_settle.work_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown work item %', coalesce(_refuse_settle.work_id::text, 'NULL')
            USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work or read_work.';
    END IF;
    IF item.cancelled_at IS NOT NULL THEN
        RAISE EXCEPTION 'work item % was cancelled at %', _refuse_settle.work_id, item.cancelled_at
            USING ERRCODE = 'AN016', DETAIL = item.outcome_error,
                  HINT = 'Stop working on it and drop the result; nothing was changed.';
    END IF;
    IF _refuse_settle.lease IS NOT NULL AND item.pgmq_msg_id IS NOT NULL THEN
        EXECUTE format('SELECT read_ct FROM pgmq.%I WHERE msg_id = $1 UNION ALL '
                       'SELECT read_ct FROM pgmq.%I WHERE msg_id = $1 LIMIT 1',
                       animus._pgmq_relation(item.queue_name, 'queue'), animus._pgmq_relation(item.queue_name, 'archive'))
            INTO current_read_ct USING item.pgmq_msg_id;
        -- A queued item with the same read_ct was handed back (an override fail_work, a timed-out
        -- vt is still running): the caller's delivery is over either way.
        IF current_read_ct IS DISTINCT FROM _refuse_settle.lease OR item.state = 'queued' THEN
            RAISE EXCEPTION 'lease % of work item % is lost: it was delivered again or handed back since (now %, read % times)',
                    _refuse_settle.lease, _refuse_settle.work_id, item.state, coalesce(current_read_ct::text, 'an unknown number of')
                USING ERRCODE = 'AN015',
                      HINT = 'Another delivery owns the item now: drop this result; nothing was changed.';
        END IF;
    END IF;
    RAISE EXCEPTION 'work item % is %, not running', _refuse_settle.work_id, item.state
        USING ERRCODE = 'AN004',
              HINT = format('Only an item delivered by read_work (state running) can be %s.', _refuse_settle.verb);
END
$$;

COMMENT ON FUNCTION animus._refuse_settle(uuid, integer, text) IS
    'Private. Always raises: AN003 unknown work item, AN016 cancelled, AN015 the lease is not the current delivery, '
    'else AN004 not running.';
REVOKE EXECUTE ON FUNCTION animus._refuse_settle(uuid, integer, text) FROM PUBLIC;

COMMIT;
