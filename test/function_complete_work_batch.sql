-- pgTAP: animus.complete_work_batch(items).
BEGIN;
SELECT plan(20);

SELECT has_function('animus', 'complete_work_batch', ARRAY['jsonb'], 'animus.complete_work_batch(jsonb) exists');
SELECT function_returns('animus', 'complete_work_batch', ARRAY['jsonb'], 'setof animus.complete_result',
    'it returns setof animus.complete_result');
SELECT is_definer('animus', 'complete_work_batch', ARRAY['jsonb'], 'it is SECURITY DEFINER');

SELECT animus.create_queue('pgtap_cwb_a');
SELECT animus.create_queue('pgtap_cwb_b');
SELECT animus.submit_work(q, 'cwb', 'agent', jsonb_build_object('n', n))
FROM (VALUES ('pgtap_cwb_a', 1), ('pgtap_cwb_a', 2), ('pgtap_cwb_a', 3), ('pgtap_cwb_b', 4), ('pgtap_cwb_b', 5)) AS v(q, n);
CREATE TEMP TABLE got AS
SELECT * FROM animus.read_work('pgtap_cwb_a', 30, 3) UNION ALL SELECT * FROM animus.read_work('pgtap_cwb_b', 30, 2);
CREATE TEMP TABLE n AS SELECT (params->>'n')::int AS n, id, lease, msg_id, queue_name FROM got;

-- Item 3 was cancelled, item 5 handed back and delivered again (its old lease is lost).
SELECT animus.cancel_work((SELECT id FROM n WHERE n = 3), 'not needed');
SELECT animus.fail_work((SELECT id FROM n WHERE n = 5), 'retry', 0);
SELECT count(*) FROM animus.read_work('pgtap_cwb_b', 30);

CREATE TEMP TABLE res AS
SELECT row_number() OVER () AS position, * FROM animus.complete_work_batch((
    SELECT jsonb_agg(x ORDER BY ord) FROM (VALUES
        (1, jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 4), 'lease', 1, 'outcome_data', '{"ok": 4}'::jsonb, 'outcome_ms', 40)),
        (2, jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 1), 'lease', 1, 'outcome_data', '{"ok": 1}'::jsonb)),
        (3, jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 3), 'lease', 1)),
        (4, jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 5), 'lease', 1)),
        (5, jsonb_build_object('work_id', gen_random_uuid())),
        (6, jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 2), 'outcome_ms', null))
    ) AS v(ord, x)));
SELECT results_eq($$SELECT status, sqlstate FROM res ORDER BY position$$,
    $$VALUES ('completed', NULL::text), ('completed', NULL), ('cancelled', 'AN016'), ('lease_lost', 'AN015'),
             ('unknown', 'AN003'), ('completed', NULL)$$,
    'one row per item in input order: completed, or the refusal with its SQLSTATE');
SELECT results_eq($$SELECT work_id FROM res ORDER BY position LIMIT 2$$,
    $$SELECT id FROM n WHERE n IN (4, 1) ORDER BY n DESC$$, 'rows name their items');
SELECT results_eq($$SELECT state, outcome_data, outcome_ms, resolved_at IS NOT NULL FROM animus.work_items
                    WHERE id IN (SELECT id FROM n WHERE n IN (1, 2, 4)) ORDER BY (params->>'n')::int$$,
    $$VALUES ('completed', '{"ok": 1}'::jsonb, NULL::bigint, true), ('completed', NULL, NULL, true),
             ('completed', '{"ok": 4}'::jsonb, 40::bigint, true)$$,
    'completed items carry their outcome, as with complete_work');
SELECT is((SELECT count(*)::int FROM pgmq.a_pgtap_cwb_a WHERE msg_id IN (SELECT msg_id FROM n WHERE n IN (1, 2))), 2,
    'their messages are archived');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_cwb_a WHERE msg_id IN (SELECT msg_id FROM n WHERE n IN (1, 2))), 0,
    'and gone from the queue');
SELECT results_eq($$SELECT state FROM animus.work_items WHERE id = (SELECT id FROM n WHERE n = 5)$$, $$VALUES ('running')$$,
    'a refused item is left as it was (the new delivery still runs)');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_cwb_b WHERE msg_id = (SELECT msg_id FROM n WHERE n = 5)), 1,
    'and its message stays');
SELECT results_eq($$SELECT status, sqlstate FROM animus.complete_work_batch(jsonb_build_array(jsonb_build_object('work_id', (SELECT id FROM n WHERE n = 1))))$$,
    $$VALUES ('not_running', 'AN004')$$, 'completing again is refused as not running');
SELECT is((SELECT count(*)::int FROM animus.complete_work_batch('[]')), 0, 'an empty batch returns nothing');

-- Malformed input refuses the whole call and writes nothing.
CREATE TEMP TABLE live AS SELECT id FROM n WHERE n = 5;
SELECT throws_ok($$SELECT * FROM animus.complete_work_batch('{"work_id": 1}')$$, 'AN007', NULL, 'not an array: AN007');
SELECT throws_ok($$SELECT * FROM animus.complete_work_batch('[1]')$$, 'AN007', NULL, 'an element that is no object: AN007');
SELECT throws_ok(format($$SELECT * FROM animus.complete_work_batch('[{"work_id": "%s", "bogus": 1}]')$$, (SELECT id FROM live)),
    'AN007', NULL, 'an unknown field: AN007');
SELECT throws_ok($$SELECT * FROM animus.complete_work_batch('[{"work_id": "nope"}]')$$, 'AN007', NULL, 'a work_id that is no uuid: AN007');
SELECT throws_ok(format($$SELECT * FROM animus.complete_work_batch('[{"work_id": "%1$s"}, {"work_id": "%1$s"}]')$$, (SELECT id FROM live)),
    'AN007', NULL, 'a work_id twice: AN007');
SELECT throws_ok(format($$SELECT * FROM animus.complete_work_batch('[{"work_id": "%s", "outcome_ms": -1}]')$$, (SELECT id FROM live)),
    'AN008', NULL, 'a negative outcome_ms: AN008');
SELECT throws_ok(format($$SELECT * FROM animus.complete_work_batch('[{"work_id": "%s", "lease": 1e20}]')$$, (SELECT id FROM live)),
    'AN008', NULL, 'a lease out of the integer range: AN008, not 22003');
SELECT throws_ok(format($$SELECT * FROM animus.complete_work_batch(jsonb_build_array(jsonb_build_object('work_id', '%s', 'outcome_data', repeat('x', 1048577))))$$, (SELECT id FROM live)),
    'AN006', NULL, 'outcome_data over 1 MiB: AN006');

SELECT * FROM finish();
ROLLBACK;
