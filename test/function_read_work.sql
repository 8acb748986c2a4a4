-- pgTAP: animus.read_work(queue_name, vt_seconds, qty).
BEGIN;
SELECT plan(22);

SELECT has_function('animus', 'read_work', ARRAY['text', 'integer', 'integer'], 'animus.read_work(text, integer, integer) exists');
SELECT function_returns('animus', 'read_work', ARRAY['text', 'integer', 'integer'], 'setof animus.work_delivery',
    'it returns setof animus.work_delivery');
SELECT is_definer('animus', 'read_work', ARRAY['text', 'integer', 'integer'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'read_work', ARRAY['text', 'integer', 'integer'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_read');
CREATE TEMP TABLE sub AS
SELECT * FROM animus.submit_work('pgtap_read', 'job', 'agent', '{"x": 1}', 'key-1', 'manual', 4,
    traceparent => '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate => 'k=v');
SELECT animus.create_queue('pgtap_read_empty');
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_read_empty', 30, 10)), 0, 'an empty queue delivers no rows');

-- queued -> running
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('pgtap_read', 30);
SELECT is((SELECT count(*)::int FROM got), 1, 'the queued item is delivered');
SELECT results_eq(
    $$SELECT msg_id, id, work_type, dedup_key, source, trigger_info, params, priority, state, attempts, read_ct, traceparent, tracestate FROM got$$,
    $$SELECT msg_id, work_id, 'job'::text, 'key-1'::text, 'agent'::text, 'manual'::text, '{"x": 1}'::jsonb, 4, 'running'::text, 1, 1,
             '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'::text, 'k=v'::text FROM sub$$,
    'the delivery joins the message with the item, its params, metadata and trace context');
SELECT results_eq($$SELECT state, attempts FROM animus.work_items WHERE id = (SELECT work_id FROM sub)$$,
    $$VALUES ('running', 1)$$, 'transition queued -> running, one attempt counted');
SELECT cmp_ok((SELECT vt FROM got), '>', now() + interval '29 seconds', 'the message is hidden for vt_seconds');
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_read', 30, 10)), 0, 'a message is not delivered twice within its vt');

-- a delivery whose vt expired counts another attempt
UPDATE pgmq.q_pgtap_read SET vt = now() - interval '1 second';
SELECT is((SELECT attempts FROM animus.read_work('pgtap_read', 30)), 2, 'a redelivery counts a second attempt');

-- an item whose attempts are used up is dead-lettered instead of delivered
CREATE TEMP TABLE poison AS SELECT * FROM animus.submit_work('pgtap_read', 'poison', 'agent', dedup_key => 'p', max_attempts => 1);
UPDATE pgmq.q_pgtap_read SET vt = now() + interval '1 hour' WHERE msg_id <> (SELECT msg_id FROM poison);
SELECT is((SELECT attempts FROM animus.read_work('pgtap_read', 0)), 1, 'the poison item is delivered once (vt 0: visible again at once)');
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_read', 30)), 0,
    'its worker never reported back: the next read does not deliver it');
SELECT results_eq($$SELECT state, attempts, resolved_at IS NOT NULL, outcome_error LIKE 'dead-lettered by read_work%' FROM animus.work_items WHERE id = (SELECT work_id FROM poison)$$,
    $$VALUES ('dead', 1, true, true)$$, 'transition running -> dead: read_work dead-letters it and says why');
SELECT ok(EXISTS (SELECT FROM pgmq.a_pgtap_read WHERE msg_id = (SELECT msg_id FROM poison))
          AND NOT EXISTS (SELECT FROM pgmq.q_pgtap_read WHERE msg_id = (SELECT msg_id FROM poison)),
    'its message was archived');
SELECT is((SELECT status FROM animus.submit_work('pgtap_read', 'poison', 'agent', dedup_key => 'p')), 'queued',
    'its dedup key is free again');

SELECT throws_ok($$SELECT * FROM animus.read_work('pgtap_nowhere', 30)$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT throws_ok($$SELECT * FROM animus.read_work('no;pe', 30)$$, 'AN001', NULL, 'an invalid name is AN001');
SELECT throws_ok($$SELECT * FROM animus.read_work('pgtap_read', -1)$$, 'AN008', NULL, 'a negative vt is AN008');
SELECT throws_ok($$SELECT * FROM animus.read_work('pgtap_read', 30, 1001)$$, 'AN008', NULL, 'qty over 1000 is AN008');
SELECT throws_ok($$SELECT * FROM animus.read_work('pgtap_read', 30, 0)$$, 'AN008', NULL, 'qty 0 is AN008');

SELECT ok(has_function_privilege('animus_app', 'animus.read_work(text, integer, integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.read_work(text, integer, integer)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
