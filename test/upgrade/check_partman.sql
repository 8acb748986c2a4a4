-- Upgrade check (partman): on the v0.1.0 database upgraded to HEAD, create_queue takes the
-- partitioning arguments, its one-argument call still works on the old queues, and a
-- partitioned queue can be made next to them where pg_partman is installed.
BEGIN;
SELECT plan(6);

SELECT has_function('animus', 'create_queue', ARRAY['text', 'boolean', 'text', 'text'], 'create_queue has the new signature');
SELECT hasnt_function('animus', 'create_queue', ARRAY['text'], 'the one-argument function was replaced, not kept beside it');
SELECT lives_ok($$SELECT animus.create_queue('upg_idle')$$, 'the one-argument call is still the no-op on a v0.1.0 queue');
SELECT throws_ok($$SELECT animus.create_queue('upg_idle', partitioned => true)$$, 'AN036', NULL,
    'a v0.1.0 queue keeps its layout');
SELECT CASE WHEN EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_partman')
    THEN lives_ok($$SELECT animus.create_queue('upg_partitioned', partitioned => true, partition_interval => '10')$$,
                  'a partitioned queue next to the old ones')
    ELSE skip('pg_partman is not installed here', 1) END;
SELECT is((SELECT count(*)::int FROM animus.submit_work('upg_idle', 'upg_task', 'partman-check')), 1,
    'the old queue takes submissions as before');

SELECT * FROM finish();
ROLLBACK;
