-- pgTAP: animus._resolve_by_msg, the shared core of archive_work and delete_work.
BEGIN;
SELECT plan(8);

SELECT has_function('animus', '_resolve_by_msg', ARRAY['text', 'bigint', 'text', 'text', 'text'], 'the helper exists');
SELECT function_returns('animus', '_resolve_by_msg', ARRAY['text', 'bigint', 'text', 'text', 'text'], 'void', 'it returns void');
SELECT is_definer('animus', '_resolve_by_msg', ARRAY['text', 'bigint', 'text', 'text', 'text'], 'it is SECURITY DEFINER');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._resolve_by_msg(text, bigint, text, text, text)', 'EXECUTE'),
    'agents cannot call it directly');

SELECT animus.create_queue('pgtap_resolve');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_resolve', 'job', 'agent', dedup_key => 'k');
SELECT animus._resolve_by_msg('pgtap_resolve', (SELECT msg_id FROM sub), 'dead', 'why', 'deleted');
SELECT results_eq($$SELECT state, outcome_error, resolved_at IS NOT NULL FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('dead', 'why', true)$$, 'the item moves to the given state with the given error');
SELECT ok(EXISTS (SELECT FROM pgmq.q_pgtap_resolve WHERE msg_id = (SELECT msg_id FROM sub)),
    'the pgmq message is left to the caller');
SELECT throws_ok($$SELECT animus._resolve_by_msg('pgtap_resolve', (SELECT msg_id FROM sub), 'completed', NULL, 'archived')$$,
    'AN004', NULL, 'an item already resolved is refused with AN004');
SELECT throws_ok($$SELECT animus._resolve_by_msg('pgtap_resolve', -1, 'completed', NULL, 'archived')$$,
    'AN003', NULL, 'an unknown msg_id is refused with AN003');

SELECT * FROM finish();
ROLLBACK;
