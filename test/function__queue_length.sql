-- pgTAP: animus._queue_length(queue_name).
BEGIN;
SELECT plan(6);

SELECT has_function('animus', '_queue_length', ARRAY['text'], 'animus._queue_length(text) exists');
SELECT function_returns('animus', '_queue_length', ARRAY['text'], 'bigint', 'it returns bigint');
SELECT is_definer('animus', '_queue_length', ARRAY['text'], 'it is SECURITY DEFINER (pgmq.metrics runs with caller rights)');
SELECT animus.create_queue('pgtap_qlen');
SELECT animus.submit_work('pgtap_qlen', 'job', 'agent') FROM generate_series(1, 3);
SELECT is(animus._queue_length('pgtap_qlen'), 3::bigint, 'it counts the messages in the queue');
SELECT throws_ok($$SELECT animus._queue_length('pgtap_nowhere')$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT ok(has_function_privilege('animus_ops', 'animus._queue_length(text)', 'EXECUTE')
          AND NOT has_function_privilege('animus_app', 'animus._queue_length(text)', 'EXECUTE'),
    'animus_ops may call it (for the view), animus_app may not');

SELECT * FROM finish();
ROLLBACK;
