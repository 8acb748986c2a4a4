-- Revert animus:function_create_queue from pg: back to the v0.1.0 body (no collision checks)
BEGIN;

CREATE OR REPLACE FUNCTION animus.create_queue(queue_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._check_queue(create_queue.queue_name, false);
    IF NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = create_queue.queue_name) THEN
        -- pgmq.create takes an advisory lock and is idempotent; so is the insert.
        PERFORM pgmq.create(create_queue.queue_name);
        INSERT INTO animus.queues (queue_name) VALUES (create_queue.queue_name)
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;

COMMENT ON FUNCTION animus.create_queue(text) IS
    'Create the queue (a pgmq queue of the same name) if it does not exist yet; idempotent. '
    'Errors: AN001 invalid queue name (1-47 chars of [a-z0-9_], not starting with a digit).';
REVOKE EXECUTE ON FUNCTION animus.create_queue(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.create_queue(text) TO animus_app, animus_ops;

COMMIT;
