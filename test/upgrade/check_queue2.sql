-- Upgrade check (queue2, issue 16): on the database seeded under v0.1.0 and upgraded to HEAD,
-- the overview tells ready from delayed items among the v0.1.0 rows.
BEGIN;
SELECT plan(2);

SELECT results_eq(
    $$SELECT queued, ready, delayed, running, orphaned, oldest_ready_age IS NOT NULL, oldest_queued_age = oldest_ready_age
      FROM animus.queue_overview WHERE queue_name = 'upg_idle'$$,
    $$VALUES (4::bigint, 2::bigint, 2::bigint, 0::bigint, 0::bigint, true, true)$$,
    'the v0.1.0 queue: two ready, two delayed by an hour, none orphaned; only the ready ones age');
SELECT results_eq(
    $$SELECT queued, ready, delayed, running, orphaned FROM animus.queue_overview WHERE queue_name = 'upg_run'$$,
    $$VALUES (0::bigint, 0::bigint, 0::bigint, 1::bigint, 0::bigint)$$,
    'the v0.1.0 running item is running, not orphaned');

SELECT * FROM finish();
ROLLBACK;
