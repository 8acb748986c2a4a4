-- Upgrade check (queue3: priority at read): queues from v0.1.0 got the priority index, and
-- the older release's messages are read in priority order next to new ones: an item submitted
-- with a priority under v0.1.0 has it in its message now, one without counts as 0.
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*)::int FROM animus.queues q
           WHERE q.queue_name LIKE 'upg\_%'
             AND to_regclass('pgmq.' || animus._priority_index(q.queue_name)) IS NOT NULL), 4,
    'every v0.1.0 queue has its priority index');
SELECT is((SELECT m.message->'priority' FROM pgmq.q_upg_idle m JOIN animus.work_items w ON w.pgmq_msg_id = m.msg_id
           WHERE w.queue_name = 'upg_idle' AND w.dedup_key = 'upg-batch'),
    '5'::jsonb, 'the v0.1.0 item submitted with priority 5 carries it in its message now');
-- Seeded before v0.3.0 the message has no priority key (and the upgrade leaves it so); seeded
-- at v0.3.0 or later it carries 0.
SELECT is((SELECT coalesce(m.message->'priority', '0') FROM pgmq.q_upg_idle m JOIN animus.work_items w ON w.pgmq_msg_id = m.msg_id
           WHERE w.queue_name = 'upg_idle' AND w.dedup_key = 'upg-queued'),
    '0'::jsonb, 'a message of priority 0 carries 0 or no priority (read as 0)');

CREATE TEMP TABLE fresh AS
SELECT p, (animus.submit_work('upg_idle', 'upg_q3', 'check', priority => p)).work_id FROM unnest(ARRAY[9, 1, -1]) AS p;
CREATE TEMP TABLE got AS SELECT row_number() OVER () AS n, * FROM animus.read_work('upg_idle', 30, 10);
SELECT results_eq($$SELECT coalesce(dedup_key, 'new ' || priority) FROM got ORDER BY n$$,
    $$VALUES ('new 9'), ('upg-batch'), ('new 1'), ('upg-queued'), ('new -1')$$,
    'v0.1.0 messages and new ones are read in one priority order (old priority 0 counts as 0)');
SELECT is((SELECT count(DISTINCT id)::int FROM got), 5, 'each item once');

SELECT * FROM finish();
ROLLBACK;
