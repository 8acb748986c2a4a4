-- pgTAP: animus.submit_work_batch(items).
BEGIN;
SELECT plan(17);

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
SELECT results_eq($$SELECT (SELECT count(*) FROM animus.work_items), (SELECT count(*) FROM pgmq.q_pgtap_batch)$$,
    $$SELECT items, msgs FROM counts_before$$, 'and the first two items were not written either');

SELECT ok(has_function_privilege('animus_app', 'animus.submit_work_batch(jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.submit_work_batch(jsonb)', 'EXECUTE'),
    'animus_app may call it, animus_ops may not');

SELECT * FROM finish();
ROLLBACK;
