-- pgTAP: animus.extend_work(work_id, vt_seconds).
BEGIN;
SELECT plan(11);

SELECT has_function('animus', 'extend_work', ARRAY['uuid', 'integer', 'integer'], 'animus.extend_work(uuid, integer, integer) exists');
SELECT function_returns('animus', 'extend_work', ARRAY['uuid', 'integer', 'integer'], 'timestamp with time zone', 'it returns the new vt');
SELECT is_definer('animus', 'extend_work', ARRAY['uuid', 'integer', 'integer'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'extend_work', ARRAY['uuid', 'integer', 'integer'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_extend');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_extend', 'job', 'agent');
SELECT throws_ok($$SELECT animus.extend_work((SELECT work_id FROM sub), 60)$$, 'AN004', NULL, 'extending a queued item is AN004');
SELECT ok((SELECT count(*) = 1 FROM animus.read_work('pgtap_extend', 5)), 'the item is read with a short vt');
SELECT cmp_ok(animus.extend_work((SELECT work_id FROM sub), 3600), '>', now() + interval '59 minutes', 'the heartbeat returns the new vt');
SELECT cmp_ok((SELECT vt FROM pgmq.q_pgtap_extend), '>', now() + interval '59 minutes', 'and the message stays hidden that long');
SELECT throws_ok($$SELECT animus.extend_work(gen_random_uuid(), 60)$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT throws_ok($$SELECT animus.extend_work((SELECT work_id FROM sub), -1)$$, 'AN008', NULL, 'a negative vt is AN008');
SELECT ok(has_function_privilege('animus_app', 'animus.extend_work(uuid, integer, integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.extend_work(uuid, integer, integer)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
