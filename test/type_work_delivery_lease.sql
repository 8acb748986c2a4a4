-- pgTAP: leases. read_work hands out the message's read_ct; complete_work, fail_work and
-- extend_work refuse a lease that is no longer current (AN015) and change nothing.
-- vt_seconds 0 makes a delivered message visible again at once, which stands in for a worker
-- whose visibility timeout ran out: the next read is a redelivery.
BEGIN;
SELECT plan(21);

SELECT animus.create_queue('pgtap_lease');

-- A first delivery (lease 1) times out and is delivered again (lease 2).
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_lease', 'job', 'agent', dedup_key => 'pgtap-lease-1');
CREATE TEMP TABLE first_read AS SELECT * FROM animus.read_work('pgtap_lease', 0);
SELECT is((SELECT lease FROM first_read), 1, 'the first delivery has lease 1 (its read_ct)');
CREATE TEMP TABLE second_read AS SELECT * FROM animus.read_work('pgtap_lease', 3600);
SELECT is((SELECT lease FROM second_read), 2, 'the redelivery has lease 2');

SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), '{"late": true}', 5, lease => 1)$$,
    'AN015', NULL, 'a stale complete is AN015');
SELECT throws_ok($$SELECT animus.fail_work((SELECT work_id FROM sub), 'late', 0, lease => 1)$$,
    'AN015', NULL, 'a stale fail is AN015');
SELECT throws_ok($$SELECT animus.extend_work((SELECT work_id FROM sub), 0, lease => 1)$$,
    'AN015', NULL, 'a stale extend is AN015');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT work_id FROM sub)), 'running',
    'the item is still running for the current delivery');
SELECT is((SELECT outcome_data FROM animus.work_items WHERE id = (SELECT work_id FROM sub)), NULL,
    'the stale outcome was not stored');
SELECT ok((SELECT vt > now() + interval '59 minutes' FROM pgmq.q_pgtap_lease WHERE msg_id = (SELECT msg_id FROM sub)),
    'and the current delivery keeps its visibility timeout');
SELECT cmp_ok(animus.extend_work((SELECT work_id FROM sub), 7200, lease => 2), '>', now() + interval '119 minutes',
    'the current lease extends');
SELECT lives_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), '{"ok": true}', 5, lease => 2)$$,
    'the current lease completes');
SELECT is((SELECT outcome_data FROM animus.work_items WHERE id = (SELECT work_id FROM sub)), '{"ok": true}'::jsonb,
    'with the current delivery''s outcome');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), NULL, NULL, lease => 1)$$,
    'AN015', NULL, 'after the current delivery completed, the stale lease is still AN015');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub), NULL, NULL, lease => 2)$$,
    'AN004', NULL, 'completing twice with the same lease is AN004 (not running)');

-- A late call whose item was not delivered again still succeeds: nobody else holds it.
CREATE TEMP TABLE sub2 AS SELECT * FROM animus.submit_work('pgtap_lease', 'job', 'agent', dedup_key => 'pgtap-lease-2');
CREATE TEMP TABLE late_read AS SELECT * FROM animus.read_work('pgtap_lease', 0);
SELECT ok((SELECT vt <= clock_timestamp() FROM pgmq.q_pgtap_lease WHERE msg_id = (SELECT msg_id FROM sub2)),
    'the delivery''s visibility timeout has run out');
SELECT lives_ok($$SELECT animus.complete_work((SELECT work_id FROM sub2), '{"late": true}', 9, lease => (SELECT lease FROM late_read))$$,
    'a late complete without a redelivery succeeds');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT work_id FROM sub2)), 'completed', 'the item is completed');

-- A fail that hands the item back ends that lease too.
CREATE TEMP TABLE sub3 AS SELECT * FROM animus.submit_work('pgtap_lease', 'job', 'agent', dedup_key => 'pgtap-lease-3');
CREATE TEMP TABLE r3 AS SELECT * FROM animus.read_work('pgtap_lease', 3600);
SELECT is(animus.fail_work((SELECT work_id FROM sub3), 'boom', 3600, lease => (SELECT lease FROM r3)), 'queued',
    'the current lease fails the item back to queued');
SELECT throws_ok($$SELECT animus.complete_work((SELECT work_id FROM sub3), NULL, NULL, lease => (SELECT lease FROM r3))$$,
    'AN015', NULL, 'the handed-back lease cannot complete it');

-- Without a lease the call is an operator's override of whoever holds the item.
CREATE TEMP TABLE r3b AS SELECT * FROM animus.read_work('pgtap_lease', 3600);
SELECT is((SELECT count(*)::int FROM r3b), 0, 'the failed item waits out its retry delay');
UPDATE pgmq.q_pgtap_lease SET vt = clock_timestamp() WHERE msg_id = (SELECT msg_id FROM sub3);
CREATE TEMP TABLE r3c AS SELECT * FROM animus.read_work('pgtap_lease', 3600);
SELECT lives_ok($$SELECT animus.complete_work((SELECT work_id FROM sub3), '{"by": "operator"}')$$,
    'complete without a lease overrides the current delivery');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT work_id FROM sub3)), 'completed', 'and the item is completed');

SELECT * FROM finish();
ROLLBACK;
