-- Deploy animus:function__lock_active_item to pg
-- The merge half of the dedup-and-merge protocol that submit_work, submit_work_batch and
-- requeue_dead share (docs/queue.md, "Concurrency", states the argument once). The caller has
-- just failed to claim the key (its insert met the UNIQUE index); this finds the active item
-- that holds the key and locks it FOR SHARE, so that it cannot resolve before the caller's
-- merged row commits. The lock order is the one every queue function keeps: the message first,
-- then the item. A NULL result means the key came free meanwhile: the caller claims it again.
BEGIN;

CREATE FUNCTION animus._lock_active_item(work_type text, dedup_key text)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    candidate record;
    locked_id uuid;
BEGIN
    LOOP
        SELECT w.id, w.queue_name, w.pgmq_msg_id INTO candidate
        FROM animus.work_items w
        WHERE w.work_type = _lock_active_item.work_type AND w.dedup_key = _lock_active_item.dedup_key
          AND animus._is_active(w.state);
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        IF candidate.pgmq_msg_id IS NOT NULL THEN
            EXECUTE format('SELECT FROM pgmq.%I WHERE msg_id = $1 FOR SHARE', animus._pgmq_relation(candidate.queue_name, 'queue'))
                USING candidate.pgmq_msg_id;
        END IF;
        -- Every writer of an active item holds its message's lock first, so this lock is granted
        -- at once. The item may have resolved (or been given a new message) before the message
        -- was locked: then look again.
        SELECT w.id INTO locked_id
        FROM animus.work_items w
        WHERE w.id = candidate.id AND animus._is_active(w.state)
          AND w.pgmq_msg_id IS NOT DISTINCT FROM candidate.pgmq_msg_id
        FOR SHARE;
        IF FOUND THEN
            RETURN locked_id;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus._lock_active_item(text, text) IS
    'Private. The active item holding (work_type, dedup_key), locked FOR SHARE (its message first, then the item) '
    'until the transaction ends; NULL when no item holds the key. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus._lock_active_item(text, text) FROM PUBLIC;

COMMIT;
