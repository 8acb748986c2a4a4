-- pgTAP: animus.queue_overview.
BEGIN;
SELECT plan(6);

SELECT has_view('animus', 'queue_overview', 'animus.queue_overview exists');
SELECT columns_are('animus', 'queue_overview',
    ARRAY['queue_name', 'queued', 'running', 'dead', 'merged', 'oldest_queued_age', 'queue_length'],
    'it has the per-queue columns');

SELECT animus.create_queue('pgtap_view');
SELECT animus.submit_work('pgtap_view', 'job', 'agent', dedup_key => k)
FROM (VALUES ('a'), ('a'), ('b'), ('c'), ('d')) AS v(k);
UPDATE animus.work_items SET created_at = now() - interval '1 hour' WHERE queue_name = 'pgtap_view' AND dedup_key = 'd';
SELECT ok((SELECT count(*) = 1 FROM animus.read_work('pgtap_view', 30)), 'one item is running');
SELECT animus.delete_work('pgtap_view', (SELECT pgmq_msg_id FROM animus.work_items WHERE queue_name = 'pgtap_view' AND dedup_key = 'c'));
SELECT results_eq(
    $$SELECT queued, running, dead, merged, queue_length, oldest_queued_age >= interval '1 hour' FROM animus.queue_overview WHERE queue_name = 'pgtap_view'$$,
    $$VALUES (2::bigint, 1::bigint, 1::bigint, 1::bigint, 3::bigint, true)$$,
    'counts per state, the pgmq queue length and the oldest queued age');

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
