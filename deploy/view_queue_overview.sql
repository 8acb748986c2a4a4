-- Deploy animus:view_queue_overview to pg
-- Reworked: queued items split into ready and delayed, the age counted over ready items only,
-- and active items whose message is gone shown as orphaned. The v0.1.0 columns keep their
-- names and order (CREATE OR REPLACE VIEW may only append); oldest_queued_age now ages only the
-- ready items, because the runbook reads it as "workers are not keeping up", which a delayed
-- item is not a sign of.
BEGIN;

CREATE OR REPLACE VIEW animus.queue_overview AS
SELECT q.queue_name,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'queued') AS queued,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'running') AS running,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'dead') AS dead,
       (SELECT count(*) FROM animus.work_items w WHERE w.queue_name = q.queue_name AND w.state = 'merged') AS merged,
       s.oldest_ready_age AS oldest_queued_age,
       animus._queue_length(q.queue_name) AS queue_length,
       s.ready,
       s.delayed,
       s.oldest_ready_age,
       s.orphaned
FROM animus.queues q
CROSS JOIN LATERAL animus._queue_stats(q.queue_name) AS s;

COMMENT ON VIEW animus.queue_overview IS
    'Per queue: work items queued (= ready + delayed), running, dead and merged; ready (message visible '
    'now), delayed (visible later: delay_seconds or a retry backoff); oldest_ready_age (= oldest_queued_age), '
    'the time the oldest ready item has waited since it became visible; orphaned, active items whose pgmq '
    'message is gone (animus.reconcile settles them); pgmq''s queue_length (messages still in the queue). '
    'For operators (animus_ops).';
GRANT SELECT ON animus.queue_overview TO animus_ops;

COMMIT;
