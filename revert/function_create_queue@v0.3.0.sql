-- Revert animus:function_create_queue from pg: back to the one-argument create_queue of @v0.2.0.
-- Partitioned queues created meanwhile stay; every other function works on them as before.
BEGIN;

DROP FUNCTION animus.create_queue(text, boolean, text, text);

CREATE FUNCTION animus.create_queue(queue_name text)
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
    -- pgmq.create takes an advisory lock and is idempotent; so is the insert.
    PERFORM pgmq.create(create_queue.queue_name);
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
END
$$;

COMMENT ON FUNCTION animus.create_queue(text) IS
    'Create the queue (a pgmq queue of the same name) if it does not exist yet; idempotent. '
    'Errors: AN001 invalid queue name (1-47 chars of [a-z0-9_], not starting with a digit), or a '
    'name whose pgmq tables, sequence or indexes would collide with another queue''s '
    '(for example x_msg_id_seq next to x).';
REVOKE EXECUTE ON FUNCTION animus.create_queue(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.create_queue(text) TO animus_app, animus_ops;

COMMIT;
