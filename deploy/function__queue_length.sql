-- Deploy animus:function__queue_length to pg
BEGIN;

-- pgmq.metrics runs with the caller's rights; this definer wrapper lets animus_ops see the
-- length without any privilege on pgmq's tables.
CREATE FUNCTION animus._queue_length(queue_name text)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_queue(_queue_length.queue_name);
    RETURN (SELECT m.queue_length FROM pgmq.metrics(_queue_length.queue_name) AS m);
END
$$;

COMMENT ON FUNCTION animus._queue_length(text) IS
    'Private, for animus.queue_overview: pgmq''s queue_length (messages in the queue, visible or not). '
    'Errors: AN001 invalid queue name, AN002 unknown queue.';
REVOKE EXECUTE ON FUNCTION animus._queue_length(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus._queue_length(text) TO animus_ops;

COMMIT;
