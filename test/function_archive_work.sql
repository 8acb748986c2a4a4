-- pgTAP: animus.archive_work(queue_name, msg_id).
BEGIN;
SELECT plan(13);

SELECT has_function('animus', 'archive_work', ARRAY['text', 'bigint'], 'animus.archive_work(text, bigint) exists');
SELECT function_returns('animus', 'archive_work', ARRAY['text', 'bigint'], 'boolean', 'it returns boolean');
SELECT is_definer('animus', 'archive_work', ARRAY['text', 'bigint'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'archive_work', ARRAY['text', 'bigint'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_archive');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_archive', 'job', 'agent', dedup_key => 'k');
SELECT is(animus.archive_work('pgtap_archive', (SELECT msg_id FROM sub)), true, 'a queued item''s message is archived');
SELECT results_eq($$SELECT state, outcome_error, resolved_at IS NOT NULL FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('completed', NULL::text, true)$$, 'transition archive -> completed');
SELECT ok(NOT EXISTS (SELECT FROM pgmq.q_pgtap_archive)
          AND EXISTS (SELECT FROM pgmq.a_pgtap_archive WHERE msg_id = (SELECT msg_id FROM sub)),
    'the message left the queue for the archive');
SELECT is((SELECT status FROM animus.submit_work('pgtap_archive', 'job', 'agent', dedup_key => 'k')), 'queued',
    'the dedup key is free again');
SELECT throws_ok($$SELECT animus.archive_work('pgtap_archive', (SELECT msg_id FROM sub))$$, 'AN004', NULL,
    'a second call on the resolved item is AN004');
SELECT throws_ok($$SELECT animus.archive_work('pgtap_archive', -42)$$, 'AN003', NULL, 'an unknown msg_id is AN003');
SELECT throws_ok($$SELECT animus.archive_work('pgtap_nowhere', 1)$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT throws_ok($$SELECT animus.archive_work('bad name', 1)$$, 'AN001', NULL, 'an invalid queue name is AN001');
SELECT ok(has_function_privilege('animus_app', 'animus.archive_work(text, bigint)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.archive_work(text, bigint)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
