-- pgTAP: animus.reconcile settles active items whose pgmq message was removed behind animus's back.
BEGIN;
SELECT plan(11);

SELECT animus.create_queue('pgtap_rec');
SELECT animus.submit_work('pgtap_rec', 'rec_job', 'agent', dedup_key => k) FROM (VALUES ('arch'), ('del'), ('run'), ('keep')) AS v(k);
CREATE TEMP TABLE rec AS SELECT dedup_key AS k, id, pgmq_msg_id AS msg FROM animus.work_items WHERE queue_name = 'pgtap_rec';
-- A pgmq client archives one, deletes another; a third is delivered, then its message deleted.
SELECT pgmq.archive('pgtap_rec', (SELECT msg FROM rec WHERE k = 'arch'));
SELECT pgmq.delete('pgtap_rec', (SELECT msg FROM rec WHERE k = 'del'));
SELECT count(*) FROM animus.read_work('pgtap_rec', 30, 4);
SELECT pgmq.delete('pgtap_rec', (SELECT msg FROM rec WHERE k = 'run'));

SELECT is((SELECT orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_rec'), 3::bigint,
    'the overview shows the three orphaned items before reconcile');
SELECT is((SELECT status FROM animus.submit_work('pgtap_rec', 'rec_job', 'agent', dedup_key => 'del')), 'merged',
    'before reconcile the key of the deleted item is still taken');

SELECT results_eq(
    $$SELECT r.state, r.reason FROM animus.reconcile('pgtap_rec') r JOIN rec ON rec.id = r.work_id ORDER BY rec.k$$,
    $$VALUES ('completed', 'reconciled: the message was archived outside animus'),
             ('dead', 'reconciled: the message was deleted outside animus'),
             ('dead', 'reconciled: the message was deleted outside animus')$$,
    'archived -> completed, deleted -> dead (queued or running), with the reason');
SELECT results_eq(
    $$SELECT k, w.state, w.outcome_error IS NOT NULL, w.resolved_at IS NOT NULL FROM rec JOIN animus.work_items w USING (id) ORDER BY k$$,
    $$VALUES ('arch', 'completed', true, true), ('del', 'dead', true, true), ('keep', 'running', false, false), ('run', 'dead', true, true)$$,
    'the rows are settled; the item with its message is left alone');
SELECT is((SELECT orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_rec'), 0::bigint, 'none orphaned after');
SELECT is((SELECT count(*)::int FROM animus.reconcile('pgtap_rec')), 0, 'a second call finds nothing');
SELECT is((SELECT status FROM animus.submit_work('pgtap_rec', 'rec_job', 'agent', dedup_key => 'arch')), 'queued',
    'the key of a reconciled item is free again');

-- max_items bounds a call; NULL reconciles every queue.
SELECT animus.submit_work('pgtap_rec', 'rec_job2', 'agent') FROM generate_series(1, 3);
SELECT pgmq.delete('pgtap_rec', pgmq_msg_id) FROM animus.work_items WHERE queue_name = 'pgtap_rec' AND work_type = 'rec_job2';
SELECT is((SELECT count(*)::int FROM animus.reconcile('pgtap_rec', 2)), 2, 'at most max_items per call');
SELECT is((SELECT count(*)::int FROM animus.reconcile(NULL) r JOIN animus.work_items w ON w.id = r.work_id WHERE w.queue_name = 'pgtap_rec'), 1,
    'the rest on the next call, over all queues');

-- A dropped pgmq queue: its active items are dead.
SELECT animus.create_queue('pgtap_rec_drop');
SELECT animus.submit_work('pgtap_rec_drop', 'rec_job', 'agent');
SELECT pgmq.drop_queue('pgtap_rec_drop');
SELECT results_eq($$SELECT state, reason FROM animus.reconcile('pgtap_rec_drop')$$,
    $$VALUES ('dead', 'reconciled: the pgmq queue was dropped outside animus')$$, 'a dropped pgmq queue kills its items');

SELECT throws_ok($$SELECT * FROM animus.reconcile('pgtap_rec', 0)$$, 'AN008', NULL, 'max_items 0 is AN008');

SELECT * FROM finish();
ROLLBACK;
