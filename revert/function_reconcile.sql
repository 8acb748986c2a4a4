-- Revert animus:function_reconcile from pg: the @v0.2.0 reconcile (one reason for every deleted message).
-- A pgmq client, an operator or a dropped queue can remove an animus message behind animus's
-- back; its item would stay queued or running for good and hold its dedup key. reconcile finds
-- such items and settles them. Locks: it takes only item locks, with SKIP LOCKED, and never
-- waits for a message, so it cannot join a lock cycle with the functions that lock the message
-- first (docs/queue.md, "Concurrency"). Under the item lock it looks at the message again: a
-- complete_work or cancel_work whose delete of the message has not committed yet still shows the
-- message, so reconcile leaves that item to it.
BEGIN;

CREATE OR REPLACE FUNCTION animus.reconcile(queue_name text DEFAULT NULL, max_items integer DEFAULT 1000)
    RETURNS TABLE (work_id uuid, state text, reason text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    q text;
    qtable text;
    atable text;
    cand record;
    gone boolean;
    archived boolean;
    budget integer;
BEGIN
    IF reconcile.max_items IS NULL OR reconcile.max_items NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'max_items must be between 1 and 100000, got %', coalesce(reconcile.max_items::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Reconcile in rounds: call again until fewer than max_items rows come back.';
    END IF;
    IF reconcile.queue_name IS NOT NULL THEN
        PERFORM animus._check_queue(reconcile.queue_name);
    END IF;
    budget := reconcile.max_items;
    FOR q IN SELECT aq.queue_name FROM animus.queues aq
             WHERE reconcile.queue_name IS NULL OR aq.queue_name = reconcile.queue_name
             ORDER BY aq.queue_name LOOP
        EXIT WHEN budget <= 0;
        qtable := animus._pgmq_relation(q, 'queue');
        atable := animus._pgmq_relation(q, 'archive');
        IF to_regclass(format('pgmq.%I', qtable)) IS NULL THEN
            -- The pgmq queue itself was dropped: no message of it can come back.
            FOR cand IN SELECT w.id FROM animus.work_items w
                        WHERE w.queue_name = q AND w.state IN ('queued', 'running')
                        ORDER BY w.id LIMIT budget FOR UPDATE SKIP LOCKED LOOP
                UPDATE animus.work_items w
                SET state = 'dead', outcome_error = 'reconciled: the pgmq queue was dropped outside animus',
                    resolved_at = now(), updated_at = now()
                WHERE w.id = cand.id AND animus._is_active(w.state)
                RETURNING w.id, w.state, w.outcome_error
                INTO work_id, state, reason;
                IF FOUND THEN
                    budget := budget - 1;
                    RETURN NEXT;
                END IF;
            END LOOP;
            CONTINUE;
        END IF;
        FOR cand IN EXECUTE format(
                'SELECT w.id, w.pgmq_msg_id FROM animus.work_items w '
                'WHERE w.queue_name = $1 AND w.state IN (''queued'', ''running'') '
                '  AND NOT EXISTS (SELECT FROM pgmq.%I m WHERE m.msg_id = w.pgmq_msg_id) '
                'ORDER BY w.id LIMIT $2 FOR UPDATE OF w SKIP LOCKED', qtable)
                USING q, budget LOOP
            -- Under the item lock, with a fresh snapshot: still active with that message, and the
            -- message still gone?
            EXECUTE format('SELECT NOT EXISTS (SELECT FROM pgmq.%I m WHERE m.msg_id = $1)', qtable)
                INTO gone USING cand.pgmq_msg_id;
            CONTINUE WHEN NOT gone;
            EXECUTE format('SELECT EXISTS (SELECT FROM pgmq.%I a WHERE a.msg_id = $1)', atable)
                INTO archived USING cand.pgmq_msg_id;
            UPDATE animus.work_items w
            SET state = CASE WHEN archived THEN 'completed' ELSE 'dead' END,
                outcome_error = CASE WHEN archived
                                     THEN 'reconciled: the message was archived outside animus'
                                     ELSE 'reconciled: the message was deleted outside animus' END,
                resolved_at = now(), updated_at = now()
            WHERE w.id = cand.id AND animus._is_active(w.state)
              AND w.pgmq_msg_id IS NOT DISTINCT FROM cand.pgmq_msg_id
            RETURNING w.id, w.state, w.outcome_error
            INTO work_id, state, reason;
            IF FOUND THEN
                budget := budget - 1;
                RETURN NEXT;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus.reconcile(text, integer) IS
    'Settle queued or running items whose pgmq message is gone (a pgmq client or an operator archived or '
    'deleted it, or dropped the queue): archived -> completed, deleted or dropped -> dead, the reason in '
    'outcome_error (''reconciled: ...''); their dedup keys are free again. One queue, or all (NULL). At '
    'most max_items (default 1000) per call: repeat until fewer rows come back. Items locked by a '
    'concurrent call are skipped. Errors: AN001 invalid queue name, AN002 unknown queue, AN008 max_items '
    'outside 1..100000.';
REVOKE EXECUTE ON FUNCTION animus.reconcile(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.reconcile(text, integer) TO animus_ops;

COMMIT;
