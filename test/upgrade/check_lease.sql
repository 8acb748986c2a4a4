-- Upgrade test (issue 13): the lease columns on items that were queued and running before the
-- upgrade, on the database seed.sql wrote under v0.1.0.
BEGIN;
SELECT plan(12);

SELECT is((SELECT count(*)::int FROM animus.work_items
           WHERE id IN (SELECT id FROM public.upgrade_items) AND cancelled_at IS NOT NULL), 0,
    'no v0.1.0 item is marked cancelled');
SELECT results_eq($$SELECT DISTINCT retry_base_seconds, retry_cap_seconds FROM animus.queues WHERE queue_name LIKE 'upg\_%'$$,
    $$VALUES (0, 3600)$$, 'v0.1.0 queues got the policy that keeps their behaviour (retry at once)');

-- Running before the upgrade: its lease is its message's read_ct, which v0.1.0's read set.
CREATE TEMP TABLE running AS
SELECT w.id, m.read_ct FROM animus.work_items w JOIN pgmq.q_upg_run m ON m.msg_id = w.pgmq_msg_id
WHERE w.id IN (SELECT id FROM public.upgrade_items WHERE state = 'running');
SELECT is((SELECT read_ct FROM running), 1, 'the item running before the upgrade has read_ct 1');
SELECT throws_ok($$SELECT animus.complete_work((SELECT id FROM running), '{}', NULL, lease => 2)$$,
    'AN015', NULL, 'a lease it never had is refused');
SELECT cmp_ok(animus.extend_work((SELECT id FROM running), 600, lease => 1), '>', now(),
    'its current lease (read_ct 1) extends it');
SELECT lives_ok($$SELECT animus.complete_work((SELECT id FROM running), '{"after": "upgrade"}', 3, lease => 1)$$,
    'and completes it');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT id FROM running)), 'completed', 'it is completed');

-- Queued before the upgrade: the first delivery after it hands out lease 1.
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('upg_idle', 30, 10);
SELECT ok((SELECT count(*) > 0 FROM got), 'the items queued before the upgrade are delivered');
SELECT is(ARRAY(SELECT DISTINCT lease FROM got), ARRAY[1], 'each with lease 1, its message''s read_ct');
SELECT is((SELECT count(*)::int FROM got WHERE id NOT IN (SELECT id FROM public.upgrade_items)), 0,
    'and they are v0.1.0 items');
SELECT is(animus.fail_work((SELECT id FROM got ORDER BY id LIMIT 1), 'after upgrade', 0,
                           lease => (SELECT lease FROM got ORDER BY id LIMIT 1)), 'queued',
    'a v0.1.0 item fails back with its lease');
SELECT is(animus.cancel_work((SELECT id FROM got ORDER BY id LIMIT 1), 'upgrade check'), 'queued',
    'and a v0.1.0 item can be cancelled');

SELECT * FROM finish();
ROLLBACK;
