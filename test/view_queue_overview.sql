-- pgTAP: animus.queue_overview.
BEGIN;
SELECT plan(10);

SELECT has_view('animus', 'queue_overview', 'animus.queue_overview exists');
SELECT columns_are('animus', 'queue_overview',
    ARRAY['queue_name', 'queued', 'running', 'dead', 'merged', 'oldest_queued_age', 'queue_length',
          'ready', 'delayed', 'oldest_ready_age', 'orphaned'],
    'it has the per-queue columns (the v0.1.0 ones first)');

SELECT animus.create_queue('pgtap_view');
SELECT animus.submit_work('pgtap_view', 'job', 'agent', dedup_key => k)
FROM (VALUES ('a'), ('a'), ('b'), ('c'), ('d')) AS v(k);
-- 'd' has been visible for an hour; its item is older still (created_at is not what counts).
UPDATE pgmq.q_pgtap_view SET vt = now() - interval '1 hour'
WHERE msg_id = (SELECT pgmq_msg_id FROM animus.work_items WHERE queue_name = 'pgtap_view' AND dedup_key = 'd');
SELECT ok((SELECT count(*) = 1 FROM animus.read_work('pgtap_view', 30)), 'one item is running');
SELECT animus.delete_work('pgtap_view', (SELECT pgmq_msg_id FROM animus.work_items WHERE queue_name = 'pgtap_view' AND dedup_key = 'c'));
SELECT results_eq(
    $$SELECT queued, running, dead, merged, queue_length, oldest_queued_age >= interval '1 hour' FROM animus.queue_overview WHERE queue_name = 'pgtap_view'$$,
    $$VALUES (2::bigint, 1::bigint, 1::bigint, 1::bigint, 3::bigint, true)$$,
    'counts per state, the pgmq queue length and the oldest ready age');

-- Delayed items (delay_seconds, or a retry backoff) are queued but not ready, and not aged:
-- a queue holding only items delayed by an hour is not a backlog.
SELECT animus.create_queue('pgtap_view_delay');
SELECT animus.submit_work('pgtap_view_delay', 'job', 'agent', delay_seconds => 3600) FROM generate_series(1, 3);
UPDATE animus.work_items SET created_at = now() - interval '2 hours' WHERE queue_name = 'pgtap_view_delay';
SELECT results_eq(
    $$SELECT queued, ready, delayed, running, oldest_queued_age, oldest_ready_age, orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_view_delay'$$,
    $$VALUES (3::bigint, 0::bigint, 3::bigint, 0::bigint, NULL::interval, NULL::interval, 0::bigint)$$,
    'delayed items are counted apart and not aged');
SELECT animus.submit_work('pgtap_view_delay', 'job', 'agent');
UPDATE pgmq.q_pgtap_view_delay SET vt = now() - interval '10 minutes' WHERE vt < now() + interval '1 minute';
SELECT animus.read_work('pgtap_view_delay', 30);
SELECT animus.submit_work('pgtap_view_delay', 'job', 'agent');
UPDATE pgmq.q_pgtap_view_delay SET vt = now() - interval '5 minutes' WHERE vt < now() + interval '1 minute' AND read_ct = 0;
SELECT results_eq(
    $$SELECT queued, ready, delayed, running, oldest_ready_age >= interval '5 minutes', oldest_ready_age < interval '10 minutes'
      FROM animus.queue_overview WHERE queue_name = 'pgtap_view_delay'$$,
    $$VALUES (4::bigint, 1::bigint, 3::bigint, 1::bigint, true, true)$$,
    'ready, delayed and running apart; the age counts from when the ready item became visible');

-- An active item whose message a pgmq client deleted shows as orphaned until reconciled.
SELECT pgmq.delete('pgtap_view_delay', (SELECT max(pgmq_msg_id) FROM animus.work_items WHERE queue_name = 'pgtap_view_delay' AND state = 'queued'));
SELECT results_eq(
    $$SELECT queued, ready, orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_view_delay'$$,
    $$VALUES (4::bigint, 0::bigint, 1::bigint)$$,
    'an active item without a message is orphaned (still queued, not ready)');
SELECT is((SELECT orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_view'), 0::bigint,
    'other queues have none');

SET LOCAL ROLE animus_ops;
DO $$ BEGIN PERFORM * FROM animus.queue_overview; PERFORM set_config('animus_test.ops', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.ops', SQLSTATE, true); END $$;
SET LOCAL ROLE animus_app;
DO $$ BEGIN PERFORM * FROM animus.queue_overview; PERFORM set_config('animus_test.app', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.app', SQLSTATE, true); END $$;
RESET ROLE;
SELECT is(current_setting('animus_test.ops'), 'ok', 'animus_ops can read the overview from psql');
SELECT is(current_setting('animus_test.app'), '42501', 'animus_app cannot');

SELECT * FROM finish();
ROLLBACK;
