-- pgTAP: animus.delete_work(queue_name, msg_id).
BEGIN;
SELECT plan(13);

SELECT has_function('animus', 'delete_work', ARRAY['text', 'bigint'], 'animus.delete_work(text, bigint) exists');
SELECT function_returns('animus', 'delete_work', ARRAY['text', 'bigint'], 'boolean', 'it returns boolean');
SELECT is_definer('animus', 'delete_work', ARRAY['text', 'bigint'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'delete_work', ARRAY['text', 'bigint'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_delete');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_delete', 'job', 'agent', dedup_key => 'k');
SELECT is(animus.delete_work('pgtap_delete', (SELECT msg_id FROM sub)), true, 'a queued item''s message is deleted');
SELECT results_eq($$SELECT state, outcome_error, resolved_at IS NOT NULL FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('dead', 'deleted with animus.delete_work'::text, true)$$, 'transition delete -> dead, outcome_error says it was deleted');
SELECT ok(NOT EXISTS (SELECT FROM pgmq.q_pgtap_delete)
          AND NOT EXISTS (SELECT FROM pgmq.a_pgtap_delete WHERE msg_id = (SELECT msg_id FROM sub)),
    'the message left the queue and is not archived');
SELECT is((SELECT status FROM animus.submit_work('pgtap_delete', 'job', 'agent', dedup_key => 'k')), 'queued',
    'the dedup key is free again');
SELECT throws_ok($$SELECT animus.delete_work('pgtap_delete', (SELECT msg_id FROM sub))$$, 'AN004', NULL,
    'a second call on the resolved item is AN004');
SELECT throws_ok($$SELECT animus.delete_work('pgtap_delete', -42)$$, 'AN003', NULL, 'an unknown msg_id is AN003');
SELECT throws_ok($$SELECT animus.delete_work('pgtap_nowhere', 1)$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT throws_ok($$SELECT animus.delete_work('bad name', 1)$$, 'AN001', NULL, 'an invalid queue name is AN001');
SELECT ok(has_function_privilege('animus_app', 'animus.delete_work(text, bigint)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.delete_work(text, bigint)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
