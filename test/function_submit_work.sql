-- pgTAP: animus.submit_work(...).
BEGIN;
SELECT plan(41);

SELECT has_function('animus', 'submit_work',
    ARRAY['text', 'text', 'text', 'jsonb', 'text', 'text', 'integer', 'uuid', 'integer', 'integer', 'text', 'text'],
    'animus.submit_work(...) exists with the contract arguments plus traceparent, tracestate');
SELECT function_returns('animus', 'submit_work',
    ARRAY['text', 'text', 'text', 'jsonb', 'text', 'text', 'integer', 'uuid', 'integer', 'integer', 'text', 'text'],
    'animus.submit_result', 'it returns animus.submit_result');
SELECT is_definer('animus', 'submit_work',
    ARRAY['text', 'text', 'text', 'jsonb', 'text', 'text', 'integer', 'uuid', 'integer', 'integer', 'text', 'text'],
    'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'submit_work',
    ARRAY['text', 'text', 'text', 'jsonb', 'text', 'text', 'integer', 'uuid', 'integer', 'integer', 'text', 'text'],
    'volatile', 'it is volatile');
SELECT is((SELECT proargnames[1:10] FROM pg_proc WHERE oid = 'animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text)'::regprocedure),
    ARRAY['queue_name', 'work_type', 'source', 'params', 'dedup_key', 'trigger_info', 'priority', 'parent_id', 'max_attempts', 'delay_seconds'],
    'the argument names are those of the contract');

SELECT animus.create_queue('pgtap_sw');

-- queued: a row and a message that carries the work id
CREATE TEMP TABLE first_submit AS
SELECT * FROM animus.submit_work(queue_name => 'pgtap_sw', work_type => 'summarize', source => 'agent-a',
    params => '{"doc": 1}', dedup_key => 'doc-1', trigger_info => 'cron', priority => 7);
SELECT is((SELECT status FROM first_submit), 'queued', 'a new key is queued');
SELECT isnt((SELECT msg_id FROM first_submit), NULL, 'a queued item has a message');
SELECT is((SELECT merged_into FROM first_submit), NULL, 'a queued item is merged into nothing');
SELECT is((SELECT message->>'work_id' FROM pgmq.q_pgtap_sw WHERE msg_id = (SELECT msg_id FROM first_submit)),
    (SELECT work_id::text FROM first_submit), 'the pgmq message carries the work id');
SELECT results_eq(
    $$SELECT state, pgmq_msg_id, priority, max_attempts, attempts, params FROM animus.work_items WHERE id = (SELECT work_id FROM first_submit)$$,
    $$VALUES ('queued', (SELECT msg_id FROM first_submit), 7, NULL::int, 0, '{"doc": 1}'::jsonb)$$,
    'the row is queued with its message, priority, NULL max_attempts (= 5) and no attempts yet');

-- queued -> merged: same (work_type, dedup_key) while the first is active
CREATE TEMP TABLE second_submit AS
SELECT * FROM animus.submit_work('pgtap_sw', 'summarize', 'agent-b', '{"doc": 1, "more": true}', 'doc-1', 'webhook');
SELECT results_eq($$SELECT status, merged_into, msg_id FROM second_submit$$,
    $$SELECT 'merged'::text, work_id, NULL::bigint FROM first_submit$$,
    'the same key is merged into the active item, with no message');
SELECT results_eq(
    $$SELECT state, merged_into, source, trigger_info, params FROM animus.work_items WHERE id = (SELECT work_id FROM second_submit)$$,
    $$SELECT 'merged'::text, work_id, 'agent-b'::text, 'webhook'::text, '{"doc": 1, "more": true}'::jsonb FROM first_submit$$,
    'transition queued -> merged: the merged row keeps its own source, trigger_info and params');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_sw), 1, 'still exactly one message');
SELECT is((SELECT status FROM animus.submit_work('pgtap_sw', 'translate', 'agent-a', dedup_key => 'doc-1')), 'queued',
    'the key is per work_type');
SELECT animus.submit_work('pgtap_sw', 'nokey', 'agent-a') FROM generate_series(1, 2);
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE work_type = 'nokey' AND state = 'queued'), 2,
    'without a dedup_key nothing merges (2 calls, 2 queued rows)');

-- the key is free again once the item completed
UPDATE animus.work_items SET state = 'completed' WHERE id = (SELECT work_id FROM first_submit);
SELECT is((SELECT status FROM animus.submit_work('pgtap_sw', 'summarize', 'agent-c', dedup_key => 'doc-1')), 'queued',
    'after completion the same key queues a new item');

-- delay_seconds hides the first delivery
CREATE TEMP TABLE delayed AS SELECT * FROM animus.submit_work('pgtap_sw', 'later', 'agent-a', delay_seconds => 3600);
SELECT cmp_ok((SELECT vt FROM pgmq.q_pgtap_sw WHERE msg_id = (SELECT msg_id FROM delayed)), '>', now() + interval '59 minutes',
    'delay_seconds sets the message''s first visibility in the future');

-- parent_id and provenance
CREATE TEMP TABLE child AS
SELECT * FROM animus.submit_work('pgtap_sw', 'child', 'agent-a', parent_id => (SELECT work_id FROM delayed));
SELECT is((SELECT parent_id FROM animus.work_items WHERE id = (SELECT work_id FROM child)),
    (SELECT work_id FROM delayed), 'parent_id is stored');

-- trace context: from the statement's sqlcommenter comment, or from the argument
SELECT ok((animus.submit_work('pgtap_sw', 'traced', 'agent-t')).status = 'queued', 'a traced submit') /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',tracestate='congo%3Dt61rcWkgMzE'*/;
SELECT results_eq($$SELECT traceparent, tracestate FROM animus.work_items WHERE work_type = 'traced'$$,
    $$VALUES ('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'congo=t61rcWkgMzE')$$,
    'the comment''s traceparent and decoded tracestate are stored');
SELECT is((SELECT headers FROM pgmq.q_pgtap_sw q JOIN animus.work_items w ON w.pgmq_msg_id = q.msg_id AND w.work_type = 'traced'),
    '{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "congo=t61rcWkgMzE"}'::jsonb,
    'and put in the pgmq message headers');
SELECT ok((animus.submit_work('pgtap_sw', 'traced_arg', 'agent-t', traceparent => '00-11111111111111111111111111111111-2222222222222222-01')).status = 'queued', 'an explicit traceparent') /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',tracestate='congo%3Dt61rcWkgMzE'*/;
SELECT results_eq($$SELECT traceparent, tracestate FROM animus.work_items WHERE work_type = 'traced_arg'$$,
    $$VALUES ('00-11111111111111111111111111111111-2222222222222222-01', NULL::text)$$,
    'the argument wins over the comment (tracestate too)');
SELECT animus.submit_work('pgtap_sw', 'literal', 'a', trigger_info => '/*traceparent=''00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01''*/');
SELECT is((SELECT traceparent FROM animus.work_items WHERE work_type = 'literal'),
    NULL, 'a traceparent inside a string literal is not taken');

-- errors, each with its SQLSTATE, and nothing written
CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM animus.work_items) AS items, (SELECT count(*) FROM pgmq.q_pgtap_sw) AS msgs;
SELECT throws_ok($$SELECT animus.submit_work('Bad Name', 't', 's')$$, 'AN001', NULL, 'an invalid queue name is AN001');
SELECT throws_ok($$SELECT animus.submit_work('x''); DROP TABLE animus.work_items; --', 't', 's')$$, 'AN001', NULL,
    'an injection attempt is AN001');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_nowhere', 't', 's')$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', parent_id => gen_random_uuid())$$, 'AN003', NULL,
    'an unknown parent is AN003');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', '[1, 2]')$$, 'AN005', NULL, 'array params are AN005');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', '"text"')$$, 'AN005', NULL, 'scalar params are AN005');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', jsonb_build_object('blob', repeat('x', 1048576)))$$,
    'AN006', NULL, 'params over 1 MiB are AN006');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', dedup_key => repeat('k', 4097))$$, 'AN006', NULL,
    'a dedup_key over 4096 bytes is AN006');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', '', 's')$$, 'AN008', NULL, 'an empty work_type is AN008');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', NULL)$$, 'AN008', NULL, 'a NULL source is AN008');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', delay_seconds => -1)$$, 'AN008', NULL, 'a negative delay is AN008');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', max_attempts => 0)$$, 'AN008', NULL, 'max_attempts 0 is AN008');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_sw', 't', 's', traceparent => 'not-a-traceparent')$$, 'AN008', NULL,
    'a malformed traceparent argument is AN008');
SELECT results_eq($$SELECT (SELECT count(*) FROM animus.work_items), (SELECT count(*) FROM pgmq.q_pgtap_sw)$$,
    $$SELECT items, msgs FROM counts_before$$, 'the failed calls wrote no row and no message');

-- privileges both ways
SET LOCAL ROLE animus_app;
DO $$ BEGIN PERFORM animus.submit_work('pgtap_sw', 'priv', 'app'); PERFORM set_config('animus_test.app', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.app', SQLSTATE, true); END $$;
SET LOCAL ROLE animus_ops;
DO $$ BEGIN PERFORM animus.submit_work('pgtap_sw', 'priv', 'ops'); PERFORM set_config('animus_test.ops', 'ok', true);
EXCEPTION WHEN OTHERS THEN PERFORM set_config('animus_test.ops', SQLSTATE, true); END $$;
RESET ROLE;
SELECT is(current_setting('animus_test.app'), 'ok', 'animus_app can submit');
SELECT is(current_setting('animus_test.ops'), '42501', 'animus_ops cannot submit (insufficient privilege)');

-- Issue 19: a NULL queue is an invalid name, not a raw 22004.
SELECT throws_ok($$SELECT animus.submit_work(NULL, 'job', 'agent')$$, 'AN001', NULL, 'a NULL queue is AN001');

SELECT * FROM finish();
ROLLBACK;
