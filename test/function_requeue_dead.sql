-- pgTAP: animus.requeue_dead(queue_name, work_ids).
BEGIN;
SELECT plan(16);

SELECT has_function('animus', 'requeue_dead', ARRAY['text', 'uuid[]', 'integer'], 'animus.requeue_dead(text, uuid[], integer) exists');
SELECT function_returns('animus', 'requeue_dead', ARRAY['text', 'uuid[]', 'integer'], 'setof animus.submit_result', 'it returns setof animus.submit_result');
SELECT is_definer('animus', 'requeue_dead', ARRAY['text', 'uuid[]', 'integer'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'requeue_dead', ARRAY['text', 'uuid[]', 'integer'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_requeue');
CREATE TEMP TABLE a AS SELECT * FROM animus.submit_work('pgtap_requeue', 'job', 'agent', dedup_key => 'a', max_attempts => 1);
CREATE TEMP TABLE b AS SELECT * FROM animus.submit_work('pgtap_requeue', 'job', 'agent', dedup_key => 'b', max_attempts => 1);
CREATE TEMP TABLE c AS SELECT * FROM animus.submit_work('pgtap_requeue', 'job', 'agent', max_attempts => 1);
SELECT ok((SELECT count(*) = 3 FROM animus.read_work('pgtap_requeue', 30, 10)), 'three items delivered');
SELECT animus.fail_work(work_id, 'broken') FROM (SELECT work_id FROM a UNION ALL SELECT work_id FROM b UNION ALL SELECT work_id FROM c) s;
-- meanwhile a new item took b's key
CREATE TEMP TABLE b2 AS SELECT * FROM animus.submit_work('pgtap_requeue', 'job', 'agent', dedup_key => 'b');

SELECT throws_ok($$SELECT * FROM animus.requeue_dead('pgtap_requeue', ARRAY[(SELECT work_id FROM b2)])$$, 'AN004', NULL,
    'requeueing an item that is not dead is AN004');
SELECT throws_ok($$SELECT * FROM animus.requeue_dead('pgtap_requeue', ARRAY[gen_random_uuid()])$$, 'AN003', NULL,
    'an id that is not an item of the queue is AN003');
SELECT throws_ok($$SELECT * FROM animus.requeue_dead('pgtap_nowhere')$$, 'AN002', NULL, 'an unknown queue is AN002');

CREATE TEMP TABLE requeued AS SELECT * FROM animus.requeue_dead('pgtap_requeue', ARRAY[(SELECT work_id FROM a), (SELECT work_id FROM b)]);
SELECT results_eq($$SELECT status, merged_into FROM requeued WHERE work_id = (SELECT work_id FROM a)$$,
    $$VALUES ('queued', NULL::uuid)$$, 'a dead item is requeued');
SELECT results_eq($$SELECT state, attempts, resolved_at, pgmq_msg_id FROM animus.work_items WHERE id = (SELECT work_id FROM a)$$,
    $$SELECT 'queued'::text, 0, NULL::timestamptz, msg_id FROM requeued WHERE work_id = (SELECT work_id FROM a)$$,
    'transition dead -> queued: attempts reset, a new message');
SELECT isnt((SELECT msg_id FROM requeued WHERE work_id = (SELECT work_id FROM a)), (SELECT msg_id FROM a), 'the new message is not the old one');
SELECT results_eq($$SELECT status, merged_into FROM requeued WHERE work_id = (SELECT work_id FROM b)$$,
    $$SELECT 'merged'::text, work_id FROM b2$$, 'a dead item whose key is now active elsewhere merges into that item');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT work_id FROM c)), 'dead', 'items not listed stay dead');
SELECT is((SELECT count(*)::int FROM animus.requeue_dead('pgtap_requeue')), 1, 'with no ids, every dead item of the queue is requeued');

SET LOCAL ROLE animus_app;
DO $$ BEGIN PERFORM animus.requeue_dead('pgtap_requeue'); PERFORM set_config('animus_test.app', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.app', SQLSTATE, true); END $$;
RESET ROLE;
SELECT ok(has_function_privilege('animus_ops', 'animus.requeue_dead(text, uuid[], integer)', 'EXECUTE'), 'animus_ops may requeue');
SELECT is(current_setting('animus_test.app'), '42501', 'animus_app may not');

SELECT * FROM finish();
ROLLBACK;
