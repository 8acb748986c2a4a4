-- pgTAP: animus.purge, retention of archived messages and terminal items.
BEGIN;
SELECT plan(17);

SELECT animus.create_queue('pgtap_purge');
-- done: completed long ago (its archive row too); recent: completed just now.
SELECT animus.submit_work('pgtap_purge', 'pj', 'agent', dedup_key => k) FROM (VALUES ('done'), ('recent')) AS v(k);
SELECT animus.complete_work(id, '{}') FROM animus.read_work('pgtap_purge', 30, 2);
-- tree: a live parent with an old completed child, and an old dead item with a merged submission.
SELECT animus.submit_work('pgtap_purge', 'pj', 'agent', dedup_key => 'live');
SELECT animus.submit_work('pgtap_purge', 'pj_child', 'agent', dedup_key => 'child',
                          parent_id => (SELECT id FROM animus.work_items WHERE dedup_key = 'live' AND work_type = 'pj'));
SELECT animus.submit_work('pgtap_purge', 'pj', 'agent', dedup_key => 'gone');
SELECT animus.submit_work('pgtap_purge', 'pj', 'agent2', dedup_key => 'gone');
SELECT animus.cancel_work(id, 'test') FROM animus.work_items WHERE queue_name = 'pgtap_purge' AND state = 'queued' AND dedup_key IN ('child', 'gone');
UPDATE animus.work_items SET resolved_at = now() - interval '30 days', updated_at = now() - interval '30 days'
WHERE queue_name = 'pgtap_purge' AND dedup_key IN ('done', 'child', 'gone');
UPDATE pgmq.a_pgtap_purge SET archived_at = now() - interval '30 days'
WHERE msg_id IN (SELECT pgmq_msg_id FROM animus.work_items WHERE queue_name = 'pgtap_purge' AND dedup_key IN ('done', 'child', 'gone'));
-- An orphan: a pgmq client deleted the message of an active item; purge reconciles it first.
SELECT animus.submit_work('pgtap_purge', 'pj', 'agent', dedup_key => 'orphan');
SELECT pgmq.delete('pgtap_purge', (SELECT pgmq_msg_id FROM animus.work_items WHERE dedup_key = 'orphan' AND work_type = 'pj'));

CREATE TEMP TABLE before AS SELECT id, dedup_key, work_type, state FROM animus.work_items WHERE queue_name = 'pgtap_purge';
SELECT is((SELECT count(*)::int FROM before), 7, 'seven rows before');

SELECT results_eq($$SELECT reconciled, messages_deleted, items_deleted FROM animus.purge('7 days', queue_name => 'pgtap_purge')$$,
    $$VALUES (1::bigint, 3::bigint, 3::bigint)$$,
    'reconciled the orphan, dropped the three old archive rows and three old items');
SELECT results_eq(
    $$SELECT b.dedup_key, b.state FROM before b WHERE NOT EXISTS (SELECT FROM animus.work_items w WHERE w.id = b.id) ORDER BY 1, 2$$,
    $$VALUES ('done', 'completed'), ('gone', 'dead'), ('gone', 'merged')$$,
    'gone: the old completed item, and the old dead item with the submission merged into it');
SELECT ok(EXISTS (SELECT FROM animus.work_items WHERE dedup_key = 'child' AND work_type = 'pj_child'),
    'the old child of a live item stays (provenance of a live item)');
SELECT ok(EXISTS (SELECT FROM animus.work_items WHERE dedup_key = 'recent' AND state = 'completed'),
    'a recent completed item stays');
SELECT is((SELECT state FROM animus.work_items WHERE dedup_key = 'orphan' AND work_type = 'pj'), 'dead', 'the orphan is settled, not purged (it is recent)');
SELECT is((SELECT count(*)::int FROM pgmq.a_pgtap_purge WHERE archived_at < now() - interval '7 days'), 0, 'no old archive row is left');
SELECT is((SELECT count(*)::int FROM pgmq.a_pgtap_purge), 1, 'the recent one stays');

-- Once the parent is old and terminal too, the whole tree goes, leaves first, within one call.
SELECT animus.cancel_work(id, 'test') FROM animus.work_items WHERE dedup_key = 'live' AND work_type = 'pj';
UPDATE animus.work_items SET resolved_at = now() - interval '30 days' WHERE dedup_key = 'live' AND work_type = 'pj';
SELECT results_eq($$SELECT items_deleted FROM animus.purge('7 days', queue_name => 'pgtap_purge')$$, $$VALUES (2::bigint)$$,
    'parent and child go together');

SELECT throws_ok($$SELECT * FROM animus.purge('-1 day')$$, 'AN008', NULL, 'a negative window is AN008');
SELECT throws_ok($$SELECT * FROM animus.purge(max_items => 0)$$, 'AN008', NULL, 'max_items 0 is AN008');
-- No internal SQLSTATE leaks for a window that is no finite interval (22007 or 22008 before).
SELECT throws_ok($$SELECT * FROM animus.purge('infinity')$$, 'AN008', NULL, '''infinity'' is AN008, not 22007');
SELECT throws_ok($$SELECT * FROM animus.purge(older_than => 'soon', queue_name => 'pgtap_purge')$$, 'AN008', NULL,
    'text that is no interval is AN008');
SELECT throws_ok($$SELECT * FROM animus.purge('100000000 years')$$, 'AN008', NULL,
    'a window reaching before the earliest timestamp is AN008, not 22008');
SELECT throws_ok($$SELECT * FROM animus.purge(NULL)$$, 'AN008', NULL, 'NULL is AN008 (through the text form)');
SELECT results_eq($$SELECT items_deleted FROM animus.purge('7 days'::text, 10, 'pgtap_purge')$$, $$VALUES (0::bigint)$$,
    'purge(text) runs the same retention');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.proname = 'purge' AND p.pronamespace = 'animus'::regnamespace
             AND p.pronargdefaults = p.pronargs), 1, 'only purge(interval, ...) has every argument defaulted: purge() is not ambiguous');

SELECT * FROM finish();
ROLLBACK;
