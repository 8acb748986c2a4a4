-- Upgrade check (queue2, issue 16): on the database seeded under v0.1.0 and upgraded to HEAD,
-- the overview tells ready from delayed items among the v0.1.0 rows.
BEGIN;
SELECT plan(6);

SELECT results_eq(
    $$SELECT queued, ready, delayed, running, orphaned, oldest_ready_age IS NOT NULL, oldest_queued_age = oldest_ready_age
      FROM animus.queue_overview WHERE queue_name = 'upg_idle'$$,
    $$VALUES (4::bigint, 2::bigint, 2::bigint, 0::bigint, 0::bigint, true, true)$$,
    'the v0.1.0 queue: two ready, two delayed by an hour, none orphaned; only the ready ones age');
SELECT results_eq(
    $$SELECT queued, ready, delayed, running, orphaned FROM animus.queue_overview WHERE queue_name = 'upg_run'$$,
    $$VALUES (0::bigint, 0::bigint, 0::bigint, 1::bigint, 0::bigint)$$,
    'the v0.1.0 running item is running, not orphaned');


-- Retention on v0.1.0 rows: nothing is orphaned; a purge with a zero window drops the terminal
-- rows but keeps the submissions merged into the live item and its child.
SELECT is((SELECT count(*)::int FROM animus.reconcile()), 0, 'no v0.1.0 item is orphaned');
SELECT cmp_ok((SELECT items_deleted FROM animus.purge('0 seconds')), '>=', 3::bigint, 'the purge deletes v0.1.0 rows');
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE queue_name IN ('upg_done', 'upg_dead')), 0,
    'the v0.1.0 completed and dead items are purged');
SELECT results_eq(
    $$SELECT state, count(*)::int FROM animus.work_items WHERE queue_name = 'upg_idle' GROUP BY state ORDER BY state$$,
    $$VALUES ('merged', 2), ('queued', 4)$$,
    'the live v0.1.0 items keep their merged submissions and child');

SELECT * FROM finish();
ROLLBACK;
