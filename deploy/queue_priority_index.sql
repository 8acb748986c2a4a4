-- Deploy animus:queue_priority_index to pg
-- Queues created before priority was honoured get the index read_work's priority order uses.
-- Their messages carried no priority ({"work_id": ...}); the active items that were submitted
-- with a priority other than 0 get it written into their message, so the priority a v0.1.0 or
-- v0.2.0 submitter asked for is honoured from now on. Any other message without one (priority
-- 0, or sent by another pgmq client) counts as 0. CREATE INDEX blocks writes to the queue's
-- table while it builds (one pass over the messages, archive not included).
BEGIN;

DO $$
DECLARE
    q text;
BEGIN
    FOR q IN SELECT queue_name FROM animus.queues ORDER BY queue_name LOOP
        -- A queue whose pgmq table was dropped behind animus's back has nothing to index.
        IF to_regclass(format('pgmq.%I', animus._pgmq_relation(q, 'queue'))) IS NOT NULL THEN
            EXECUTE format(
                'UPDATE pgmq.%I m SET message = m.message || jsonb_build_object(''priority'', w.priority) '
                'FROM animus.work_items w '
                'WHERE w.queue_name = $1 AND w.state IN (''queued'', ''running'') AND w.priority <> 0 '
                '  AND m.msg_id = w.pgmq_msg_id AND m.message->>''work_id'' = w.id::text '
                '  AND NOT m.message ? ''priority''',
                animus._pgmq_relation(q, 'queue'))
                USING q;
            PERFORM animus._index_queue(q);
        END IF;
    END LOOP;
END
$$;

COMMIT;
