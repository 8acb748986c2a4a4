-- Revert animus:view_queue_overview from pg
-- Back to the v0.1.0 view: it has fewer columns, which CREATE OR REPLACE cannot drop.
BEGIN;

DROP VIEW animus.queue_overview;
CREATE VIEW animus.queue_overview AS
SELECT q.queue_name,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'queued') AS queued,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'running') AS running,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'dead') AS dead,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'merged') AS merged,
       (SELECT now() - min(w.created_at) FROM animus.work_items w
        WHERE w.queue_name = q.queue_name AND w.state = 'queued') AS oldest_queued_age,
       animus._queue_length(q.queue_name) AS queue_length
FROM animus.queues q;

COMMENT ON VIEW animus.queue_overview IS
    'Per queue: work items queued, running, dead and merged, the age of the oldest queued item, and '
    'pgmq''s queue_length (messages still in the queue). For operators (animus_ops).';
GRANT SELECT ON animus.queue_overview TO animus_ops;

COMMIT;
