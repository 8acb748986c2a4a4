-- Revert animus:function_create_queue from pg: back to the create_queue of @v0.3.0, which
-- does not route new queues in animus._send_message (they take its dynamic statement).
BEGIN;

CREATE OR REPLACE FUNCTION animus.create_queue(queue_name text, partitioned boolean DEFAULT false,
                                    partition_interval text DEFAULT NULL,
                                    retention_interval text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    clash text;
    msg_id_seq text;
BEGIN
    PERFORM animus._check_queue(create_queue.queue_name, false);
    IF EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = create_queue.queue_name) THEN
        PERFORM animus._check_queue_layout(create_queue.queue_name, create_queue.partitioned,
                                           create_queue.partition_interval, create_queue.retention_interval);
        RETURN;
    END IF;
    -- pgmq names a queue's relations by prefix and suffix (animus._pgmq_relation), so one queue
    -- name can spell another's relation: queue 'x_msg_id_seq' owns table q_x_msg_id_seq, the name
    -- of queue 'x''s sequence. A relation of that name that belongs to no pgmq queue of this name
    -- would make pgmq skip or rename an object, and every later submit would fail.
    SELECT c.relname INTO clash
    FROM pg_class c
    WHERE c.relnamespace = 'pgmq'::regnamespace
      AND c.relname = ANY (animus._pgmq_relations(create_queue.queue_name))
      AND NOT EXISTS (SELECT FROM pgmq.meta m WHERE m.queue_name = create_queue.queue_name)
    LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'queue name % collides with the existing pgmq relation %',
                        quote_literal(create_queue.queue_name), clash
            USING ERRCODE = 'AN001',
                  HINT = 'Choose another queue name: pgmq already uses this one for another queue''s table, sequence or index.';
    END IF;
    -- pgmq.create (or create_partitioned) takes an advisory lock and is idempotent; so is the insert.
    PERFORM animus._create_pgmq(create_queue.queue_name, create_queue.partitioned,
                                create_queue.partition_interval, create_queue.retention_interval);
    -- The other order of the same clash: pgmq gave the identity sequence another name because
    -- an existing relation held it. Refuse, so the whole call rolls back.
    msg_id_seq := pg_get_serial_sequence(
        format('pgmq.%I', animus._pgmq_relation(create_queue.queue_name, 'queue')), 'msg_id');
    IF msg_id_seq IS DISTINCT FROM
       format('pgmq.%I', animus._pgmq_relation(create_queue.queue_name, 'msg_id_seq')) THEN
        RAISE EXCEPTION 'queue name % collides with another queue''s pgmq relations (its sequence would be %)',
                        quote_literal(create_queue.queue_name), coalesce(msg_id_seq, 'missing')
            USING ERRCODE = 'AN001',
                  HINT = 'Choose another queue name: pgmq already uses this one for another queue''s table, sequence or index.';
    END IF;
    INSERT INTO animus.queues (queue_name) VALUES (create_queue.queue_name)
    ON CONFLICT DO NOTHING;
    PERFORM animus._index_queue(create_queue.queue_name);
END
$$;

COMMENT ON FUNCTION animus.create_queue(text, boolean, text, text) IS
    'Create the queue (a pgmq queue of the same name) if it does not exist yet; idempotent. '
    'partitioned => true makes a pgmq partitioned queue through pg_partman: partition_interval is a number '
    'of msg ids per partition (default ''10000'') or an interval of enqueued_at (''1 day''), '
    'retention_interval (default 10 partitions, at least one) how much pg_partman keeps; it drops older '
    'partitions, read or not, and animus.reconcile (run by animus.purge) settles the items whose message '
    'went (docs/queue.md, "Partitioned queues"). On an existing queue the plain call accepts either layout. '
    'Errors: AN001 invalid queue name (1-47 chars of [a-z0-9_], not starting with a digit), or a '
    'name whose pgmq tables, sequence or indexes would collide with another queue''s '
    '(for example x_msg_id_seq next to x, or x_p10 next to a partitioned x); AN034 partitioned without '
    'pg_partman; AN035 invalid intervals, or intervals without partitioned; AN036 the queue exists with '
    'another layout (unpartitioned, or other intervals).';
REVOKE EXECUTE ON FUNCTION animus.create_queue(text, boolean, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.create_queue(text, boolean, text, text) TO animus_app, animus_ops;

COMMIT;
