-- pgTAP: partitioned queues (animus.create_queue(..., partitioned => true) through pg_partman).
-- Messages cross several partitions of 10 msg ids; pg_partman's maintenance then creates the next
-- partitions and drops those past the retention (20 msg ids), read or not, and animus.reconcile
-- settles every item that lost its message, so no active item is left without one.
BEGIN;
SELECT plan(62);

SELECT has_function('animus', '_create_pgmq', ARRAY['text', 'boolean', 'text', 'text'], 'animus._create_pgmq exists');
SELECT is_definer('animus', '_create_pgmq', ARRAY['text', 'boolean', 'text', 'text'], 'it is SECURITY DEFINER');
SELECT has_function('animus', '_check_queue_layout', ARRAY['text', 'boolean', 'text', 'text'], 'animus._check_queue_layout exists');
SELECT has_function('animus', '_partition_spec', ARRAY['text', 'text'], 'animus._partition_spec exists');
SELECT ok(EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_partman'), 'pg_partman is created by the deploy (script/setup installs it)');

-- Counts: items of a queue that are active but whose message is gone.
CREATE FUNCTION pg_temp.orphans(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM animus.work_items w WHERE w.queue_name = $1 AND w.state IN (''queued'', ''running'')
                    AND NOT EXISTS (SELECT FROM pgmq.%I m WHERE m.msg_id = w.pgmq_msg_id)', animus._pgmq_relation(q, 'queue'))
        INTO n USING q;
    RETURN n;
END $$;
CREATE FUNCTION pg_temp.partitions(parent text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(c.relname::text ORDER BY c.relname)
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(parent) $$;
CREATE FUNCTION pg_temp.maintain(q text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM partman.run_maintenance(format('pgmq.%I', animus._pgmq_relation(q, 'queue')));
    PERFORM partman.run_maintenance(format('pgmq.%I', animus._pgmq_relation(q, 'archive')));
END $$;

-- --- Creating one ----------------------------------------------------------------------------

SELECT lives_ok($$SELECT animus.create_queue('pgtap_pt', partitioned => true, partition_interval => '10', retention_interval => '20')$$,
    'a partitioned queue of 10 msg ids per partition, keeping 20');
SELECT is(current_setting('search_path'), (SELECT reset_val FROM pg_settings WHERE name = 'search_path'),
    'the caller keeps its search_path (pg_partman''s create_parent sets it session-wide)');
SELECT is((SELECT is_partitioned FROM pgmq.meta WHERE queue_name = 'pgtap_pt'), true, 'pgmq knows it as partitioned');
SELECT results_eq($$SELECT partition_interval, retention FROM partman.part_config WHERE parent_table = 'pgmq.q_pgtap_pt'$$,
    $$VALUES ('10'::text, '20'::text)$$, 'pg_partman manages its queue table with those intervals');
SELECT ok((SELECT count(*) FROM partman.part_config WHERE parent_table = 'pgmq.a_pgtap_pt') = 1, 'and its archive');
SELECT ok(to_regclass('pgmq.a_pgtap_pt_part_msg_idx') IS NOT NULL, 'the archive is indexed by msg_id (its partition key has no index of pgmq''s)');
SELECT is((SELECT count(*)::int FROM animus.queues WHERE queue_name = 'pgtap_pt'), 1, 'one animus.queues row');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_pt')$$, 'the plain call on it is the usual no-op');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_pt', partitioned => true, partition_interval => '10', retention_interval => '20')$$,
    'the same partitioned call again is a no-op');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pt', partitioned => true, partition_interval => '100')$$, 'AN036', NULL,
    'other intervals for an existing partitioned queue are AN036');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_pt', partitioned => true)$$,
    'partitioned => true alone accepts the intervals it has');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pt', partitioned => true, retention_interval => '30')$$, 'AN036', NULL,
    'another retention is AN036 too');

-- --- Messages across partitions, every queue function ----------------------------------------

SELECT count(*) FROM (SELECT animus.submit_work('pgtap_pt', 'pt_job', 'pgtap', jsonb_build_object('n', g), dedup_key => 'pt-' || g)
                      FROM generate_series(1, 20) g) s;
SELECT count(*) FROM animus.submit_work_batch((SELECT jsonb_agg(jsonb_build_object('queue_name', 'pgtap_pt', 'work_type', 'pt_job',
    'source', 'pgtap', 'params', jsonb_build_object('n', g), 'dedup_key', 'pt-' || g) ORDER BY g) FROM generate_series(21, 35) g));
CREATE TEMP TABLE pt AS SELECT (params->>'n')::int AS n, id, pgmq_msg_id AS msg FROM animus.work_items WHERE queue_name = 'pgtap_pt';
SELECT is((SELECT count(DISTINCT tableoid)::int FROM pgmq.q_pgtap_pt), 4, 'submit_work and submit_work_batch filled four partitions');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_pt_default), 0, 'nothing spilled into the default partition');
SELECT is((SELECT min(msg) || '-' || max(msg) FROM pt), (SELECT min(msg_id) || '-' || max(msg_id) FROM pgmq.q_pgtap_pt), 'one message per item');

SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_pt', 30, 5)), 5, 'read_work delivers from the first partition');
SELECT lives_ok($$SELECT animus.complete_work((SELECT id FROM pt WHERE n = 1))$$, 'complete_work');
SELECT is(animus.fail_work((SELECT id FROM pt WHERE n = 2), 'boom', 0), 'queued', 'fail_work');
SELECT isnt(animus.extend_work((SELECT id FROM pt WHERE n = 3), 60), NULL, 'extend_work');
SELECT is(animus.cancel_work((SELECT id FROM pt WHERE n = 12), 'not needed'), 'queued', 'cancel_work in the second partition');
SELECT ok(animus.archive_work('pgtap_pt', (SELECT msg FROM pt WHERE n = 13)), 'archive_work');
SELECT ok(animus.delete_work('pgtap_pt', (SELECT msg FROM pt WHERE n = 14)), 'delete_work');
SELECT is((SELECT count(*)::int FROM animus.requeue_dead('pgtap_pt', ARRAY[(SELECT id FROM pt WHERE n = 14)])), 1,
    'requeue_dead sends the deleted item again');
SELECT ok((SELECT pgmq_msg_id FROM animus.work_items WHERE id = (SELECT id FROM pt WHERE n = 14)) > 35, 'with a new message in a later partition');
SELECT results_eq($$SELECT queued, running FROM animus.queue_overview WHERE queue_name = 'pgtap_pt'$$,
    $$VALUES (29::bigint, 3::bigint)$$, 'queue_overview counts the partitioned queue');
SELECT is((SELECT count(DISTINCT tableoid)::int FROM pgmq.a_pgtap_pt), 2, 'the archive is partitioned by msg_id too');

-- --- Maintenance drops a partition with live messages; reconcile settles their items ----------

SELECT lives_ok($$SELECT pg_temp.maintain('pgtap_pt')$$, 'pg_partman maintenance runs');
SELECT ok(NOT ('q_pgtap_pt_p0' = ANY (pg_temp.partitions('pgmq.q_pgtap_pt'))), 'it dropped the first partition (past the retention of 20)');
SELECT ok('q_pgtap_pt_p70' = ANY (pg_temp.partitions('pgmq.q_pgtap_pt')), 'and created partitions ahead of msg id 36');
SELECT is(pg_temp.orphans('pgtap_pt'), 8::bigint, 'eight queued or running items of the first partition lost their message');
SELECT is((SELECT orphaned FROM animus.queue_overview WHERE queue_name = 'pgtap_pt'), 8::bigint, 'the overview shows them');
SELECT results_eq(
    $$SELECT pt.n, r.state, r.reason FROM animus.reconcile('pgtap_pt') r JOIN pt ON pt.id = r.work_id ORDER BY pt.n$$,
    $$SELECT n, 'dead'::text, 'reconciled: the message was deleted outside animus or dropped with its partition (retention)'::text
      FROM generate_series(2, 9) n WHERE n <> 1$$ ,
    'reconcile settles them as dead, saying why');
SELECT is(pg_temp.orphans('pgtap_pt'), 0::bigint, 'no active item is left without its message');
SELECT is((SELECT status FROM animus.submit_work('pgtap_pt', 'pt_job', 'pgtap', dedup_key => 'pt-4')), 'queued',
    'the dedup key of a dropped item is free again');

-- Forty more messages cross four more partitions; the next maintenance drops three more.
SELECT count(*) FROM (SELECT animus.submit_work('pgtap_pt', 'pt_job', 'pgtap', jsonb_build_object('n', g))
                      FROM generate_series(36, 75) g) s;
SELECT lives_ok($$SELECT pg_temp.maintain('pgtap_pt')$$, 'maintenance again');
SELECT is(pg_temp.partitions('pgmq.q_pgtap_pt') && ARRAY['q_pgtap_pt_p10', 'q_pgtap_pt_p20', 'q_pgtap_pt_p30'], false,
    'partitions 10-39 are gone');
SELECT is((SELECT count(*)::int FROM animus.purge('0 seconds', 1000, 'pgtap_pt') p WHERE p.reconciled > 0), 1,
    'purge reconciles what the drop left');
SELECT is(pg_temp.orphans('pgtap_pt'), 0::bigint, 'again no active item without its message');
SELECT ok((SELECT bool_and(msg_id >= 40) FROM animus.read_work('pgtap_pt', 30, 10)), 'read_work delivers from the surviving partitions');
SELECT is((SELECT count(*)::int FROM pgmq.q_pgtap_pt_default), 0, 'nothing ever spilled into the default partition');

-- --- Time partitions, names, bad intervals, no pg_partman ------------------------------------

SELECT lives_ok($$SELECT animus.create_queue('pgtap_pt_time', partitioned => true, partition_interval => '1 hour', retention_interval => '1 day')$$,
    'partitions by enqueued_at');
SELECT ok(to_regclass('pgmq.q_pgtap_pt_time_part_msg_idx') IS NOT NULL, 'with a msg_id index on the queue table');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pt_p10x')$$, 'AN001', NULL,
    'a queue named like a partition of a partitioned queue is refused');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_pu_default')$$, 'an unpartitioned queue');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pu', partitioned => true)$$, 'AN001', NULL,
    'a partitioned queue whose partitions would take that queue''s names is refused');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pu_default', partitioned => true)$$, 'AN036', NULL,
    'partitioned => true on an unpartitioned queue is AN036');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => '9')$$, 'AN035', NULL, 'fewer than 10 msg ids');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => '2147483648')$$, 'AN035', NULL,
    'more msg ids than pgmq can read as an integer');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => 'soon')$$, 'AN035', NULL, 'not an interval');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => '100', retention_interval => '50')$$,
    'AN035', NULL, 'a retention shorter than one partition');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => '100', retention_interval => '1 day')$$,
    'AN035', NULL, 'mixed kinds');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partition_interval => '100')$$, 'AN035', NULL, 'intervals without partitioned');
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pv', partitioned => true, partition_interval => '10 seconds')$$, 'AN035', NULL,
    'partitions shorter than a minute');
SELECT is((SELECT count(*)::int FROM pgmq.meta WHERE queue_name = 'pgtap_pv'), 0, 'the refused calls created nothing');

DROP EXTENSION pg_partman CASCADE;
SELECT throws_ok($$SELECT animus.create_queue('pgtap_pw', partitioned => true)$$, 'AN034', NULL, 'without pg_partman: AN034');
SELECT is((SELECT count(*)::int FROM pgmq.meta WHERE queue_name = 'pgtap_pw'), 0, 'and nothing is created');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_pw')$$, 'an unpartitioned queue still is');

SELECT * FROM finish();
ROLLBACK;
