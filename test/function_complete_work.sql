-- pgTAP: animus.complete_work(work_id, outcome_data, outcome_ms).
BEGIN;
SELECT plan(14);

SELECT has_function('animus', 'complete_work', ARRAY['uuid', 'jsonb', 'bigint', 'integer'], 'animus.complete_work(uuid, jsonb, bigint, integer) exists');
SELECT function_returns('animus', 'complete_work', ARRAY['uuid', 'jsonb', 'bigint', 'integer'], 'void', 'it returns void');
SELECT is_definer('animus', 'complete_work', ARRAY['uuid', 'jsonb', 'bigint', 'integer'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'complete_work', ARRAY['uuid', 'jsonb', 'bigint', 'integer'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_complete');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_complete', 'job', 'agent', dedup_key => 'k');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub))$$, 'AN004', NULL,
    'completing a queued (not running) item is AN004');
SELECT ok((SELECT count(*) = 1 FROM animus.read_work('pgtap_complete', 30)), 'the item is read');
SELECT lives_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), '{"summary": "done"}', 1234)$$, 'a running item completes');
SELECT results_eq(
    $$SELECT state, outcome_data, outcome_ms, resolved_at IS NOT NULL FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('completed', '{"summary": "done"}'::jsonb, 1234::bigint, true)$$,
    'transition running -> completed, with the outcome and resolved_at');
SELECT ok(EXISTS (SELECT FROM pgmq.a_pgtap_complete WHERE msg_id = (SELECT msg_id FROM sub))
          AND NOT EXISTS (SELECT FROM pgmq.q_pgtap_complete),
    'the message moved to the archive');
SELECT is((SELECT status FROM animus.submit_work('pgtap_complete', 'job', 'agent', dedup_key => 'k')), 'queued',
    'the dedup key is free again');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub))$$, 'AN004', NULL, 'completing twice is AN004');
SELECT throws_ok($$SELECT animus.complete_work(gen_random_uuid())$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), NULL, -5)$$, 'AN008', NULL, 'a negative outcome_ms is AN008');
SELECT ok(has_function_privilege('animus_app', 'animus.complete_work(uuid, jsonb, bigint, integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.complete_work(uuid, jsonb, bigint, integer)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
