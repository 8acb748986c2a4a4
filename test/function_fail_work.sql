-- pgTAP: animus.fail_work(work_id, error, retry_delay_seconds).
BEGIN;
SELECT plan(16);

SELECT has_function('animus', 'fail_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'animus.fail_work(uuid, text, integer, integer) exists');
SELECT function_returns('animus', 'fail_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'text', 'it returns the new state');
SELECT is_definer('animus', 'fail_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'fail_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_fail');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_fail', 'job', 'agent', dedup_key => 'k', max_attempts => 2);
SELECT throws_ok($$SELECT animus.fail_work((SELECT work_id FROM sub), 'boom')$$, 'AN004', NULL, 'failing a queued item is AN004');

-- running -> queued: retry after the delay
SELECT ok((SELECT count(*) = 1 FROM animus.read_work('pgtap_fail', 30)), 'first delivery');
SELECT is(animus.fail_work((SELECT work_id FROM sub), 'timeout', 600), 'queued', 'attempts left: fail_work returns queued');
SELECT results_eq($$SELECT state, outcome_error, resolved_at FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('queued', 'timeout', NULL::timestamptz)$$, 'transition running -> queued, the error kept');
SELECT cmp_ok((SELECT vt FROM pgmq.q_pgtap_fail WHERE msg_id = (SELECT msg_id FROM sub)), '>', now() + interval '9 minutes',
    'the message is visible again only after retry_delay_seconds');
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_fail', 30)), 0, 'so it is not delivered before');

-- running -> dead once attempts are used up
UPDATE pgmq.q_pgtap_fail SET vt = now() - interval '1 second';
SELECT is((SELECT attempts FROM animus.read_work('pgtap_fail', 30)), 2, 'second (last) delivery');
SELECT is(animus.fail_work((SELECT work_id FROM sub), 'timeout again'), 'dead', 'no attempts left: fail_work returns dead');
SELECT results_eq($$SELECT state, outcome_error, resolved_at IS NOT NULL, (SELECT count(*) FROM pgmq.q_pgtap_fail)::int FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('dead', 'timeout again', true, 0)$$, 'transition running -> dead: message archived, error kept');

SELECT throws_ok($$SELECT animus.fail_work(gen_random_uuid(), 'x')$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT throws_ok($$SELECT animus.fail_work((SELECT work_id FROM sub), 'x', -1)$$, 'AN008', NULL, 'a negative retry delay is AN008');
SELECT ok(has_function_privilege('animus_app', 'animus.fail_work(uuid, text, integer, integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.fail_work(uuid, text, integer, integer)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
