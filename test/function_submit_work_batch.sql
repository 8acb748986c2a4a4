-- pgTAP: animus.submit_work_batch(items).
BEGIN;
SELECT plan(33);

SELECT has_function('animus', 'submit_work_batch', ARRAY['jsonb'], 'animus.submit_work_batch(jsonb) exists');
SELECT function_returns('animus', 'submit_work_batch', ARRAY['jsonb'], 'setof animus.submit_result', 'it returns setof animus.submit_result');
SELECT is_definer('animus', 'submit_work_batch', ARRAY['jsonb'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'submit_work_batch', ARRAY['jsonb'], 'volatile', 'it is volatile');

SELECT animus.create_queue('pgtap_batch');
CREATE TEMP TABLE batch AS
SELECT row_number() OVER () AS n, r.* FROM animus.submit_work_batch($$[
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s1", "dedup_key": "k", "params": {"i": 1}},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s2", "dedup_key": "k", "trigger_info": "dup"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s3", "priority": 3, "max_attempts": 2, "delay_seconds": 0},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s4", "dedup_key": "k"}
]$$) AS r;
SELECT is((SELECT array_agg(status ORDER BY n) FROM batch), ARRAY['queued', 'merged', 'queued', 'merged'],
    'one result per item, in input order');
SELECT is((SELECT array_agg(w.source ORDER BY b.n) FROM batch b JOIN animus.work_items w ON w.id = b.work_id),
    ARRAY['s1', 's2', 's3', 's4'], 'the results line up with the input items');
SELECT is((SELECT count(DISTINCT merged_into)::int FROM batch WHERE status = 'merged'), 1, 'duplicates inside the batch merge...');
SELECT is((SELECT merged_into FROM batch WHERE n = 2), (SELECT work_id FROM batch WHERE n = 1), '... into the first');
SELECT results_eq($$SELECT priority, max_attempts FROM animus.work_items WHERE source = 's3'$$, $$VALUES (3, 2)$$,
    'optional fields are taken');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_batch), 2, 'one message per queued item');

-- A batch whose key is already active: the first item merges into the active item, and its
-- in-batch duplicate into the same one. JSON null means the default.
CREATE TEMP TABLE batch2 AS
SELECT row_number() OVER () AS n, r.* FROM animus.submit_work_batch($$[
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s5", "dedup_key": "k"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s6", "dedup_key": "k"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "s7", "dedup_key": null, "priority": null,
     "max_attempts": null, "delay_seconds": null, "parent_id": null,
     "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "congo=t61"}
]$$) AS r;
SELECT results_eq($$SELECT status, merged_into, msg_id FROM batch2 ORDER BY n$$,
    $$VALUES ('merged'::text, (SELECT work_id FROM batch WHERE n = 1), NULL::bigint),
             ('merged', (SELECT work_id FROM batch WHERE n = 1), NULL),
             ('queued', NULL, (SELECT msg_id FROM batch2 WHERE n = 3))$$,
    'a key held by an active item merges into it, and so does its duplicate in the batch');
SELECT results_eq($$SELECT state, merged_into, pgmq_msg_id FROM animus.work_items WHERE source IN ('s5', 's6') ORDER BY source$$,
    $$VALUES ('merged'::text, (SELECT work_id FROM batch WHERE n = 1), NULL::bigint),
             ('merged', (SELECT work_id FROM batch WHERE n = 1), NULL)$$,
    'the merged rows are stored pointing at the active item, without a message');
SELECT results_eq($$SELECT priority, max_attempts, state FROM animus.work_items WHERE source = 's7'$$,
    $$VALUES (0, NULL::int, 'queued'::text)$$, 'JSON null fields take their defaults');
SELECT results_eq(
    $$SELECT q.message->>'work_id', q.headers FROM pgmq.q_pgtap_batch q WHERE q.msg_id = (SELECT msg_id FROM batch2 WHERE n = 3)$$,
    $$SELECT work_id::text, '{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "congo=t61"}'::jsonb
      FROM batch2 WHERE n = 3$$,
    'the queued item''s message carries its work id and its trace context as headers');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_batch), 3, 'merged items sent no message');

CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM animus.work_items) AS items, (SELECT count(*) FROM pgmq.q_pgtap_batch) AS msgs;
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('{"queue_name": "pgtap_batch"}')$$, 'AN007', NULL, 'an object instead of an array is AN007');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[1]')$$, 'AN007', NULL, 'a non-object item is AN007');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch", "work_type": "t"}]')$$, 'AN007', NULL,
    'an item without source is AN007');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch", "work_type": "t", "source": "s", "dedupkey": "typo"}]')$$,
    'AN007', NULL, 'an unknown field is AN007, never ignored');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "ok1", "dedup_key": "fresh"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "ok2"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "bad", "params": [1]}]')$$,
    'AN005', NULL, 'an error in the third item raises that item''s SQLSTATE');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "ok1", "dedup_key": "fresh"},
    {"queue_name": "pgtap_nowhere", "work_type": "t", "source": "ok2"}]')$$,
    'AN002', NULL, 'an unknown queue in a later item is AN002');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "ok1", "dedup_key": "fresh"},
    {"queue_name": "pgtap_batch", "work_type": "t", "source": "ok2", "parent_id": "00000000-0000-0000-0000-000000000001"}]')$$,
    'AN003', NULL, 'an unknown parent in a later item is AN003');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch", "work_type": "t", "source": "s", "max_attempts": 0}]')$$,
    'AN008', NULL, 'max_attempts 0 in an item is AN008');
SELECT results_eq($$SELECT (SELECT count(*) FROM animus.work_items), (SELECT count(*) FROM pgmq.q_pgtap_batch)$$,
    $$SELECT items, msgs FROM counts_before$$, 'and none of the failed batches wrote a row or a message');

SELECT ok(has_function_privilege('animus_app', 'animus.submit_work_batch(jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.submit_work_batch(jsonb)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

-- Issue 19: numbers are whole integers, never rounded, never a raw 22003.
SELECT animus.create_queue('pgtap_batch_numbers');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "priority": 1e10}]')$$,
    'AN008', NULL, 'priority 1e10 is AN008');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "max_attempts": 1e10}]')$$,
    'AN008', NULL, 'max_attempts 1e10 is AN008');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "delay_seconds": 1e10}]')$$,
    'AN008', NULL, 'delay_seconds 1e10 is AN008');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "priority": 1.5}]')$$,
    'AN008', NULL, 'priority 1.5 is refused, not rounded');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "max_attempts": 0.6}]')$$,
    'AN008', NULL, 'max_attempts 0.6 is refused, not rounded');
SELECT throws_ok($$SELECT * FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "delay_seconds": -0.4}]')$$,
    'AN008', NULL, 'delay_seconds -0.4 is refused, not rounded');
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE queue_name = 'pgtap_batch_numbers'), 0, 'and nothing was written');
SELECT is((SELECT status FROM animus.submit_work_batch('[{"queue_name": "pgtap_batch_numbers", "work_type": "t", "source": "s", "priority": 2.0, "max_attempts": 3}]')),
    'queued', 'a whole number written as 2.0 is fine');

SELECT * FROM finish();
ROLLBACK;
