-- Deploy animus:function__queue_stats to pg
BEGIN;

-- The overview must tell a delayed item (its message's vt is in the future) from a ready one,
-- and see an active item whose message is gone (a pgmq client or an operator archived or
-- deleted it): both need pgmq's queue table, which animus_ops has no privilege on, and whose
-- name depends on the queue, so this is a definer function with dynamic SQL.
CREATE FUNCTION animus._queue_stats(queue_name text,
                                    OUT ready bigint, OUT delayed bigint,
                                    OUT oldest_ready_age interval, OUT orphaned bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_queue(_queue_stats.queue_name);
    IF to_regclass(format('pgmq.%I', animus._pgmq_relation(_queue_stats.queue_name, 'queue'))) IS NULL THEN
        -- The pgmq queue was dropped behind animus's back: every active item is orphaned.
        SELECT 0, 0, NULL, count(*) INTO ready, delayed, oldest_ready_age, orphaned
        FROM animus.work_items w
        WHERE w.queue_name = _queue_stats.queue_name AND w.state IN ('queued', 'running');
        RETURN;
    END IF;
    -- The age of a ready item counts from the moment it became visible (its vt), so an item
    -- delayed by an hour is not an hour late the moment it becomes ready.
    EXECUTE format(
        'SELECT count(*) FILTER (WHERE w.state = ''queued'' AND m.vt <= now()), '
        '       count(*) FILTER (WHERE w.state = ''queued'' AND m.vt > now()), '
        '       now() - min(m.vt) FILTER (WHERE w.state = ''queued'' AND m.vt <= now()), '
        '       count(*) FILTER (WHERE m.msg_id IS NULL) '
        'FROM animus.work_items w LEFT JOIN pgmq.%I m ON m.msg_id = w.pgmq_msg_id '
        'WHERE w.queue_name = $1 AND w.state IN (''queued'', ''running'')',
        animus._pgmq_relation(_queue_stats.queue_name, 'queue'))
        INTO ready, delayed, oldest_ready_age, orphaned
        USING _queue_stats.queue_name;
END
$$;

COMMENT ON FUNCTION animus._queue_stats(text) IS
    'Private, for animus.queue_overview: queued items that are ready (message visible) or delayed '
    '(visible later), the age of the oldest ready one since it became visible, and active items whose '
    'pgmq message is gone (orphaned, settled by animus.reconcile). Errors: AN001 invalid queue name, '
    'AN002 unknown queue.';
REVOKE EXECUTE ON FUNCTION animus._queue_stats(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus._queue_stats(text) TO animus_ops;

COMMIT;
