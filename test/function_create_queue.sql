-- pgTAP: animus.create_queue(queue_name, ...); partitioned queues are in function__create_pgmq.sql.
BEGIN;
SELECT plan(24);

SELECT has_function('animus', 'create_queue', ARRAY['text', 'boolean', 'text', 'text'], 'animus.create_queue(text, boolean, text, text) exists');
SELECT function_returns('animus', 'create_queue', ARRAY['text', 'boolean', 'text', 'text'], 'void', 'it returns void');
SELECT is_definer('animus', 'create_queue', ARRAY['text', 'boolean', 'text', 'text'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'create_queue', ARRAY['text', 'boolean', 'text', 'text'], 'volatile', 'it is volatile');
SELECT isnt(obj_description('animus.create_queue(text, boolean, text, text)'::regprocedure, 'pg_proc'), NULL, 'it has a COMMENT');

SELECT lives_ok($$SELECT animus.create_queue('pgtap_cq')$$, 'a valid name creates the queue');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_cq')$$, 'creating it again is a no-op');
SELECT is((SELECT count(*)::int FROM animus.queues WHERE queue_name = 'pgtap_cq'), 1, 'one animus.queues row');
SELECT is((SELECT count(*)::int FROM pgmq.meta WHERE queue_name = 'pgtap_cq'), 1, 'one pgmq queue of the same name');

SELECT throws_ok($$SELECT animus.create_queue('bad''; DROP TABLE animus.work_items; --')$$, 'AN001', NULL,
    'quotes and semicolons are refused, not injected');
SELECT throws_ok($$SELECT animus.create_queue('Upper')$$, 'AN001', NULL, 'upper case is refused');
SELECT throws_ok($$SELECT animus.create_queue('café')$$, 'AN001', NULL, 'non-ASCII is refused');
SELECT throws_ok($$SELECT animus.create_queue('')$$, 'AN001', NULL, 'an empty name is refused');
SELECT throws_ok($$SELECT animus.create_queue(NULL)$$, 'AN001', NULL, 'NULL is refused');
SELECT lives_ok($$SELECT animus.create_queue(repeat('q', 47))$$, '47 characters is the longest name');

-- Names that spell another queue's pgmq relations (issue: a squatted sequence name made every
-- later submit fail with 42809). Both orders are refused with AN001 and leave nothing behind.
SELECT lives_ok($$SELECT animus.create_queue('pgtap_sq_msg_id_seq')$$, 'a name ending in _msg_id_seq alone is fine');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_sq')$$, 'AN001', NULL,
    'a queue whose sequence name is another queue''s table is refused');
SELECT is((SELECT count(*)::int FROM pgmq.meta WHERE queue_name = 'pgtap_sq'), 0, 'the refused queue left no pgmq queue');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_sr')$$, 'queue pgtap_sr');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_sr_msg_id_seq')$$, 'AN001', NULL,
    'a queue whose table would take another queue''s sequence name is refused');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_sr_vt_idx')$$, 'AN001', NULL,
    'a queue whose table would take another queue''s index name is refused');
SELECT lives_ok($$SELECT animus.submit_work('pgtap_sr', 'pgtap_cq', 'pgtap')$$,
    'the first queue still takes submissions');

SET LOCAL ROLE animus_app;
DO $$ BEGIN PERFORM animus.create_queue('pgtap_cq_app'); PERFORM set_config('animus_test.app', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.app', SQLSTATE, true); END $$;
RESET ROLE;
SELECT is(current_setting('animus_test.app'), 'ok', 'animus_app can create a queue');
SELECT ok(NOT has_function_privilege('public', 'animus.create_queue(text, boolean, text, text)', 'EXECUTE'), 'PUBLIC cannot');

SELECT * FROM finish();
ROLLBACK;
