-- Upgrade check (static message statements): the queues of an older release got their branch
-- in animus._send_message when the upgrade deployed it, and a submit to one writes its message
-- through it.
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*)::int FROM animus._routed_queues() AS r(q) WHERE r.q LIKE 'upg\_%'),
    4, 'every queue of the older release has a branch');

CREATE TEMP TABLE fresh AS SELECT * FROM animus.submit_work('upg_idle', 'upg_routes', 'check', priority => 2);
SELECT is((SELECT m.message FROM pgmq.q_upg_idle m JOIN fresh f ON f.msg_id = m.msg_id),
    jsonb_build_object('work_id', (SELECT work_id FROM fresh), 'priority', 2),
    'a submit to an upgraded queue writes its message');
SELECT is((SELECT pgmq_msg_id FROM animus.work_items WHERE id = (SELECT work_id FROM fresh)),
    (SELECT msg_id FROM fresh), 'and its item points at it');

-- complete_work_batch locks and archives through the routed statements of the upgraded queue.
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('upg_idle', 60, 100) WHERE id = (SELECT work_id FROM fresh);
SELECT results_eq($$SELECT status FROM animus.complete_work_batch(
                        (SELECT jsonb_agg(jsonb_build_object('work_id', id, 'lease', lease)) FROM got))$$,
    $$VALUES ('completed')$$, 'complete_work_batch completes an item of an upgraded queue');
SELECT is((SELECT count(*)::int FROM pgmq.a_upg_idle WHERE msg_id = (SELECT msg_id FROM fresh)), 1,
    'and archives its message');

SELECT * FROM finish();
ROLLBACK;
