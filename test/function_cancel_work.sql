-- pgTAP: animus.cancel_work(work_id, reason).
BEGIN;
SELECT plan(16);

SELECT has_function('animus', 'cancel_work', ARRAY['uuid', 'text'], 'animus.cancel_work(uuid, text) exists');
SELECT function_returns('animus', 'cancel_work', ARRAY['uuid', 'text'], 'text', 'it returns the state the item had');
SELECT is_definer('animus', 'cancel_work', ARRAY['uuid', 'text'], 'it is SECURITY DEFINER');

SELECT animus.create_queue('pgtap_cancel');
CREATE TEMP TABLE q1 AS SELECT * FROM animus.submit_work('pgtap_cancel', 'job', 'agent', dedup_key => 'pgtap-cancel-1');
CREATE TEMP TABLE m1 AS SELECT * FROM animus.submit_work('pgtap_cancel', 'job', 'agent2', dedup_key => 'pgtap-cancel-1');
SELECT is(animus.cancel_work((SELECT work_id FROM q1), 'superseded'), 'queued', 'a queued item is cancelled');
SELECT results_eq($$SELECT state, outcome_error, cancelled_at IS NOT NULL FROM animus.work_items WHERE id = (SELECT work_id FROM q1)$$,
    $$VALUES ('dead'::text, 'cancelled: superseded'::text, true)$$, 'it is dead with the reason and cancelled_at');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_cancel WHERE msg_id = (SELECT msg_id FROM q1)), 0, 'its message left the queue');
SELECT is((SELECT count(*)::int FROM pgmq.a_pgtap_cancel WHERE msg_id = (SELECT msg_id FROM q1)), 1, 'into the archive');
SELECT is((SELECT status FROM animus.submit_work('pgtap_cancel', 'job', 'agent', dedup_key => 'pgtap-cancel-1')), 'queued',
    'its dedup key is free again');
SELECT ok(EXISTS (SELECT FROM animus.work_provenance((SELECT work_id FROM q1)) p WHERE p.id = (SELECT work_id FROM m1)),
    'its provenance keeps the submission merged into it');

CREATE TEMP TABLE q2 AS SELECT * FROM animus.submit_work('pgtap_cancel', 'job', 'agent', dedup_key => 'pgtap-cancel-2');
CREATE TEMP TABLE r2 AS SELECT * FROM animus.read_work('pgtap_cancel', 3600, 10);
SELECT is(animus.cancel_work((SELECT work_id FROM q2), 'user gave up'), 'running', 'a running item is cancelled');
SELECT throws_ok($$SELECT animus.extend_work((SELECT work_id FROM q2), 60, lease => (SELECT lease FROM r2 WHERE id = (SELECT work_id FROM q2)))$$,
    'AN016', NULL, 'its worker''s heartbeat hears of it: AN016');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM q2), '{}', NULL, lease => (SELECT lease FROM r2 WHERE id = (SELECT work_id FROM q2)))$$,
    'AN016', NULL, 'and its result is refused: AN016');
SELECT throws_ok($$SELECT animus.cancel_work((SELECT work_id FROM q2), 'again')$$, 'AN004', NULL, 'cancelling twice is AN004');
SELECT throws_ok($$SELECT animus.cancel_work(gen_random_uuid(), 'x')$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT throws_ok($$SELECT animus.cancel_work((SELECT work_id FROM animus.submit_work('pgtap_cancel', 'job', 'agent')), '')$$,
    'AN008', NULL, 'an empty reason is AN008');
SELECT ok(has_function_privilege('animus_app', 'animus.cancel_work(uuid, text)', 'EXECUTE')
          AND has_function_privilege('animus_ops', 'animus.cancel_work(uuid, text)', 'EXECUTE'),
    'agents and operators may cancel');

SELECT * FROM finish();
ROLLBACK;
