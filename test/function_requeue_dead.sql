-- pgTAP: animus.requeue_dead(queue_name, work_ids).
BEGIN;
SELECT plan(23);

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

-- Issue 13: bounded, and merged submissions follow their item.
SELECT animus.create_queue('pgtap_requeue_bound');
SELECT animus.submit_work_batch(jsonb_agg(jsonb_build_object('queue_name', 'pgtap_requeue_bound', 'work_type', 'b', 'source', 's')))
FROM generate_series(1, 5);
UPDATE animus.work_items SET state = 'dead' WHERE queue_name = 'pgtap_requeue_bound';
SELECT is((SELECT count(*)::int FROM animus.requeue_dead('pgtap_requeue_bound', max_items => 2)), 2, 'max_items bounds one call');
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE queue_name = 'pgtap_requeue_bound' AND state = 'dead'), 3, 'the rest stay dead for the next call');
SELECT throws_ok($$SELECT * FROM animus.requeue_dead('pgtap_requeue_bound', max_items => 0)$$, 'AN008', NULL, 'max_items 0 is AN008');
CREATE TEMP TABLE x AS SELECT * FROM animus.submit_work('pgtap_requeue_bound', 'k', 's', dedup_key => 'pgtap-requeue-repoint');
CREATE TEMP TABLE y AS SELECT * FROM animus.submit_work('pgtap_requeue_bound', 'k', 's', dedup_key => 'pgtap-requeue-repoint');
SELECT animus.cancel_work((SELECT work_id FROM x), 'make room');
CREATE TEMP TABLE z AS SELECT * FROM animus.submit_work('pgtap_requeue_bound', 'k', 's', dedup_key => 'pgtap-requeue-repoint');
SELECT is((SELECT merged_into FROM animus.requeue_dead('pgtap_requeue_bound', ARRAY[(SELECT work_id FROM x)])),
    (SELECT work_id FROM z), 'the dead item merges into the active one');
SELECT ok(EXISTS (SELECT FROM animus.work_provenance((SELECT work_id FROM z)) p WHERE p.id = (SELECT work_id FROM y)),
    'and work_provenance of the active item shows the submission that had merged into the dead one');

-- A requeued item keeps its priority at read: its new message carries it, like submit_work's.
SELECT animus.create_queue('pgtap_requeue_prio');
CREATE TEMP TABLE hi AS SELECT * FROM animus.submit_work('pgtap_requeue_prio', 'job', 'agent', priority => 7, max_attempts => 1);
SELECT animus.fail_work((SELECT id FROM animus.read_work('pgtap_requeue_prio', 30)), 'broken');
CREATE TEMP TABLE lo AS SELECT * FROM animus.submit_work('pgtap_requeue_prio', 'job', 'agent');
SELECT is((SELECT status FROM animus.requeue_dead('pgtap_requeue_prio')), 'queued', 'the priority-7 item is requeued');
SELECT is((SELECT id FROM animus.read_work('pgtap_requeue_prio', 30)), (SELECT work_id FROM hi),
    'and is delivered before the older priority-0 item');

SELECT * FROM finish();
ROLLBACK;
