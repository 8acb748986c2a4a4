-- pgTAP: animus._send_message, _read_messages, _archive_message, _lock_messages and
-- _archive_messages, the static branches per queue that animus._route_queues generates, and
-- their dynamic fallbacks. Both paths must write, read and archive the same rows and give the
-- same answers.
BEGIN;
SELECT plan(53);

SELECT has_function('animus', '_send_message', ARRAY['text', 'bigint', 'integer', 'jsonb', 'jsonb'], '_send_message exists');
SELECT is_definer('animus', '_send_message', ARRAY['text', 'bigint', 'integer', 'jsonb', 'jsonb'], 'it is SECURITY DEFINER');
SELECT is_definer('animus', '_route_queues', ARRAY['integer'], '_route_queues is SECURITY DEFINER');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._send_message(text, bigint, integer, jsonb, jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('animus_app', 'animus._route_queues(integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus._route_queues(integer)', 'EXECUTE'),
    'neither role may call them directly');

CREATE FUNCTION pg_temp.routed(q text) RETURNS boolean LANGUAGE sql AS $$
    SELECT q IN (SELECT animus._routed_queues())
$$;

-- 21 queues: an odd count, so the search tree has uneven halves.
SELECT animus.create_queue(format('pgtap_route_%s', lpad(g::text, 2, '0'))) FROM generate_series(1, 21) AS g;
SELECT ok(pg_temp.routed('pgtap_route_01') AND pg_temp.routed('pgtap_route_21'), 'create_queue gives a new queue its branch');
SELECT is(animus._route_queues(), (SELECT count(*)::int FROM animus.queues), 'every queue with a pgmq table has a branch (under 256)');

-- Every queue's submit lands in that queue's table and nowhere else.
CREATE TEMP TABLE sent AS
SELECT format('pgtap_route_%s', lpad(g::text, 2, '0')) AS q,
       (animus.submit_work(format('pgtap_route_%s', lpad(g::text, 2, '0')), 'route', 'pgtap', jsonb_build_object('g', g))).work_id
FROM generate_series(1, 21) AS g;
CREATE FUNCTION pg_temp.landed() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint := 0;
    c bigint;
    r record;
BEGIN
    FOR r IN SELECT q, work_id FROM sent LOOP
        EXECUTE format('SELECT count(*) FROM pgmq.%I WHERE message->>''work_id'' = $1', 'q_' || r.q) INTO c USING r.work_id::text;
        n := n + c;
    END LOOP;
    RETURN n;
END
$$;
SELECT is(pg_temp.landed(), 21::bigint, 'through the branches, each of 21 queues got its own message');
SELECT is((SELECT count(*) FROM animus.work_items w JOIN sent ON sent.work_id = w.id WHERE w.queue_name = sent.q AND w.state = 'queued'),
    21::bigint, 'and each item is queued on its queue');

-- Names that sort differently bytewise than in a linguistic order ('_' between digits and
-- letters), prefixes of each other, and one letter long: the search must find each.
CREATE TEMP TABLE tricky AS SELECT unnest(ARRAY['p', 'p_', 'p0', 'p_a', 'pa', 'p9z', '_p', 'p__']) AS q;
SELECT animus.create_queue(q) FROM tricky;
SELECT ok((SELECT bool_and(pg_temp.routed(q)) FROM tricky), 'every tricky name has a branch');
INSERT INTO sent SELECT q, (animus.submit_work(q, 'route', 'pgtap', jsonb_build_object('q', q))).work_id FROM tricky;
SELECT is(pg_temp.landed(), 29::bigint, 'and each of them got its own message, as the 21 did');

-- Only the 5 newest queues keep a branch; the other 16 take the dynamic statement.
-- (Ahead of now, so that they are the newest even next to queues made seconds ago.)
UPDATE animus.queues SET created_at = now() + make_interval(secs => substr(queue_name, 13)::int)
WHERE queue_name LIKE 'pgtap\_route\_%';
SELECT is(animus._route_queues(5), 5, '_route_queues(5) routes five queues');
SELECT ok(pg_temp.routed('pgtap_route_21') AND pg_temp.routed('pgtap_route_17') AND NOT pg_temp.routed('pgtap_route_16'),
    'the newest five');
DELETE FROM sent;
INSERT INTO sent
SELECT format('pgtap_route_%s', lpad(g::text, 2, '0')),
       (animus.submit_work(format('pgtap_route_%s', lpad(g::text, 2, '0')), 'route', 'pgtap', jsonb_build_object('g', g))).work_id
FROM generate_series(1, 21) AS g;
SELECT is(pg_temp.landed(), 21::bigint, 'with five branches, all 21 queues still get their messages');

-- The same row and the same answer on both paths: a routed queue and an unrouted one.
SELECT animus._route_queues(1);
SELECT ok(pg_temp.routed('pgtap_route_21') AND NOT pg_temp.routed('pgtap_route_20'), 'one branch: pgtap_route_21');
CREATE TEMP TABLE answers AS
SELECT q, animus._send_message(q, nextval(format('pgmq.%I', 'q_' || q || '_msg_id_seq')::regclass), d,
                               jsonb_build_object('n', d), h) AS ready, d
FROM (VALUES ('pgtap_route_21', 0, NULL::jsonb), ('pgtap_route_20', 0, NULL::jsonb),
             ('pgtap_route_21', 3600, '{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}'),
             ('pgtap_route_20', 3600, '{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}')) AS v(q, d, h);
SELECT results_eq($$SELECT ready FROM answers ORDER BY q, d$$, $$VALUES (false), (false), (false), (false)$$,
    'not the first ready message: messages were ready already, or the new one is delayed');
SELECT results_eq(
    $$SELECT read_ct, message, headers, vt > clock_timestamp() + interval '3500 s', last_read_at IS NULL
      FROM pgmq.q_pgtap_route_21 WHERE message ? 'n' ORDER BY msg_id$$,
    $$SELECT read_ct, message, headers, vt > clock_timestamp() + interval '3500 s', last_read_at IS NULL
      FROM pgmq.q_pgtap_route_20 WHERE message ? 'n' ORDER BY msg_id$$,
    'the branch writes the same rows as the dynamic statement (delay, headers, message)');

-- A queue with no ready message: true, once.
SELECT animus.create_queue('pgtap_route_empty');
SELECT ok(pg_temp.routed('pgtap_route_empty'), 'the new queue is routed');
SELECT is(animus._send_message('pgtap_route_empty', nextval('pgmq.q_pgtap_route_empty_msg_id_seq'), 0, '{}', NULL), true,
    'the first ready message says so');
SELECT is(animus._send_message('pgtap_route_empty', nextval('pgmq.q_pgtap_route_empty_msg_id_seq'), 0, '{}', NULL), false,
    'the second does not');
SELECT animus._route_queues(0);
SELECT is(animus._send_message('pgtap_route_20', nextval('pgmq.q_pgtap_route_20_msg_id_seq'), 0, '{}', NULL), false,
    'the dynamic statement gives the same answer with no branches at all');

-- A queue whose pgmq table went behind animus's back: AN002 before any message, and the
-- item's insert undone; the next routing leaves it out.
SELECT animus._route_queues();
SELECT pgmq.drop_queue('pgtap_route_05');
CREATE TEMP TABLE before AS SELECT count(*) AS n FROM animus.work_items WHERE queue_name = 'pgtap_route_05';
SELECT throws_ok($$SELECT animus.submit_work('pgtap_route_05', 'route', 'pgtap')$$, 'AN002', NULL,
    'a routed queue whose pgmq table was dropped is AN002, not a raw missing-relation error');
SELECT is((SELECT count(*) FROM animus.work_items WHERE queue_name = 'pgtap_route_05'), (SELECT n FROM before),
    'and leaves no item behind');
SELECT ok(animus._route_queues() > 0 AND NOT pg_temp.routed('pgtap_route_05'), 'routing again leaves the dropped table out');


-- Reading and archiving: a routed queue and an unrouted one, with the same messages.
SELECT animus._route_queues();
SELECT animus.create_queue('pgtap_route_ra');
SELECT animus.create_queue('pgtap_route_rb');
UPDATE animus.queues SET created_at = now() + interval '1 hour' WHERE queue_name = 'pgtap_route_rb';
SELECT animus._route_queues(1);
SELECT ok(pg_temp.routed('pgtap_route_rb') AND NOT pg_temp.routed('pgtap_route_ra'), 'pgtap_route_rb routed, pgtap_route_ra not');
SELECT animus._send_message(q, nextval(format('pgmq.%I', 'q_' || q || '_msg_id_seq')::regclass), 0,
                            jsonb_build_object('work_id', gen_random_uuid(), 'priority', p, 'n', n), NULL)
FROM unnest(ARRAY['pgtap_route_ra', 'pgtap_route_rb']) AS q, unnest(ARRAY[0, 5, 9, 5, 0, 2], ARRAY[1, 2, 3, 4, 5, 6]) AS v(p, n);
CREATE TEMP TABLE got_a AS SELECT * FROM animus._read_messages('pgtap_route_ra', 60, 4);
CREATE TEMP TABLE got_b AS SELECT * FROM animus._read_messages('pgtap_route_rb', 60, 4);
SELECT results_eq($$SELECT msg_priority FROM got_b ORDER BY msg_priority DESC, msg_id$$,
    $$VALUES (9::numeric), (5), (5), (2)$$, 'the branch reads the highest priorities first');
SELECT results_eq($$SELECT msg_priority, read_ct, vt > clock_timestamp() + interval '50 s' FROM got_a ORDER BY msg_priority DESC, msg_id$$,
    $$SELECT msg_priority, read_ct, vt > clock_timestamp() + interval '50 s' FROM got_b ORDER BY msg_priority DESC, msg_id$$,
    'the dynamic read takes the same messages in the same order, hidden and counted the same way');
SELECT is((SELECT count(*) FROM animus._read_messages('pgtap_route_rb', 60, 10)), 2::bigint,
    'a second read takes only what is still visible');
SELECT is((SELECT count(*) FROM animus._read_messages('pgtap_route_rb', 60, 10)), 0::bigint, 'and then nothing');
SELECT is(animus._archive_message('pgtap_route_rb', (SELECT min(msg_id) FROM got_b), 2), 0,
    'the branch refuses to archive under a lease the message does not hold');
SELECT is(animus._archive_message('pgtap_route_rb', (SELECT min(msg_id) FROM got_b), 1), 1,
    'and archives under the one it holds');
SELECT is(animus._archive_message('pgtap_route_ra', (SELECT min(msg_id) FROM got_a), 1)
          + animus._archive_message('pgtap_route_ra', (SELECT max(msg_id) FROM got_a), NULL)
          + animus._archive_message('pgtap_route_ra', (SELECT max(msg_id) FROM got_a), NULL), 2,
    'the dynamic archive does the same (no lease: any read_ct; a second archive finds nothing)');
SELECT results_eq($$SELECT msg_id, read_ct FROM pgmq.a_pgtap_route_rb ORDER BY msg_id$$,
    $$SELECT (SELECT min(msg_id) FROM got_b), 1$$, 'the archived message is in the archive table');

-- Every message of pgtap_route_rb is now hidden (read) or archived: none is ready, so the next
-- one is the first ready one, on the branch and on the dynamic path alike.
SELECT is(animus._send_message('pgtap_route_rb', nextval('pgmq.q_pgtap_route_rb_msg_id_seq'), 0, '{}', NULL), true,
    'with only hidden and archived messages, a new one is the first ready (branch)');
SELECT is((SELECT count(*) FROM animus._read_messages('pgtap_route_ra', 60, 10)), 2::bigint, 'pgtap_route_ra: the rest read');
SELECT is(animus._send_message('pgtap_route_ra', nextval('pgmq.q_pgtap_route_ra_msg_id_seq'), 0, '{}', NULL), true,
    'and the same on the dynamic path');

-- A pgmq queue animus did not create has a sequence but no animus.queues row: the insert draws
-- its message id, the dynamic path finds no queue, and the error undoes the item.
SELECT pgmq.create('pgtap_route_foreign');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_route_foreign', 'route', 'pgtap')$$, 'AN002', NULL,
    'a queue made by pgmq.create alone is AN002 for submit_work');
SELECT is((SELECT count(*) FROM animus.work_items WHERE queue_name = 'pgtap_route_foreign')
          + (SELECT count(*) FROM pgmq.q_pgtap_route_foreign), 0::bigint, 'and neither an item nor a message is left');
SELECT throws_ok($$SELECT animus.submit_work('pgtap_route_foreign', 'route', 'pgtap', dedup_key => 'k')$$, 'AN002', NULL,
    'with a dedup key too');
SELECT throws_ok($$SELECT animus.submit_work('No-Such', 'route', 'pgtap')$$, 'AN001', NULL, 'an invalid name is still AN001');
SELECT throws_ok($$SELECT animus.submit_work(repeat('q', 80), 'route', 'pgtap')$$, 'AN001', NULL, 'and an over-long one');

-- Locking and archiving many (complete_work_batch): a routed queue and an unrouted one, four
-- messages each, read once (read_ct 1). The leases 1, 2, NULL, 1: the second is stale.
SELECT animus.create_queue('pgtap_route_la');
SELECT animus.create_queue('pgtap_route_lb');
UPDATE animus.queues SET created_at = now() + interval '2 hours' WHERE queue_name = 'pgtap_route_lb';
SELECT animus._route_queues(1);
SELECT ok(pg_temp.routed('pgtap_route_lb') AND NOT pg_temp.routed('pgtap_route_la'), 'pgtap_route_lb routed, pgtap_route_la not');
SELECT animus._send_message(q, nextval(format('pgmq.%I', 'q_' || q || '_msg_id_seq')::regclass), 0,
                            jsonb_build_object('work_id', gen_random_uuid(), 'priority', 0, 'n', n), NULL)
FROM unnest(ARRAY['pgtap_route_la', 'pgtap_route_lb']) AS q, generate_series(1, 4) AS n;
CREATE TEMP TABLE many AS
SELECT q, (SELECT array_agg(r.msg_id ORDER BY r.msg_id) FROM animus._read_messages(q, 60, 4) AS r) AS ids
FROM unnest(ARRAY['pgtap_route_la', 'pgtap_route_lb']) AS q;
CREATE TEMP TABLE locked AS
SELECT q, ids, animus._lock_messages(q, ids, ARRAY[1, 2, NULL, 1]) AS got FROM many;
SELECT results_eq(
    $$SELECT q, (SELECT array_agg(array_position(ids, g) ORDER BY 1) FROM unnest(got) AS g) FROM locked ORDER BY q$$,
    $$VALUES ('pgtap_route_la', ARRAY[1, 3, 4]), ('pgtap_route_lb', ARRAY[1, 3, 4])$$,
    'both paths lock the messages whose read_ct is their lease (any, where the lease is NULL), and not the stale one');
SELECT ok((SELECT bool_and(animus._lock_messages(q, ids[2:2], ARRAY[2]) IS NULL) FROM many)
          AND (SELECT bool_and(animus._lock_messages(q, '{}', '{}') IS NULL) FROM many),
    'nothing to lock is NULL, on both paths');
SELECT results_eq(
    $$SELECT q, animus._archive_messages(q, ARRAY[ids[1], ids[3]]), animus._archive_messages(q, ARRAY[ids[1], ids[3]]) FROM many ORDER BY q$$,
    $$VALUES ('pgtap_route_la', 2, 0), ('pgtap_route_lb', 2, 0)$$,
    'both paths archive exactly the messages named, once');
SELECT results_eq($$SELECT msg_id, read_ct FROM pgmq.a_pgtap_route_lb ORDER BY msg_id$$,
    $$SELECT unnest(ARRAY[ids[1], ids[3]]), 1 FROM many WHERE q = 'pgtap_route_lb'$$,
    'the archived messages are in the archive table, as read');
SELECT results_eq($$SELECT msg_id FROM pgmq.q_pgtap_route_la ORDER BY msg_id$$,
    $$SELECT unnest(ARRAY[ids[2], ids[4]]) FROM many WHERE q = 'pgtap_route_la'$$,
    'and the others stay in the queue');

-- The read's plan: the ORDER BY must be the priority index's expression, or no index gives the
-- order and a Sort appears (sorts and sequential scans made the last resort, as in a large
-- queue); and the plan a session keeps (generic) has no join, whatever the table's size.
CREATE FUNCTION pg_temp.plan_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || stmt LOOP
        plan := plan || line || chr(10);
    END LOOP;
    RETURN plan;
END
$$;
DO $$ BEGIN
    EXECUTE 'PREPARE pgtap_read(integer, integer) AS ' || animus._queue_statement('read', 'pgtap_route_rb', '{$1, $2}');
END $$;
SET LOCAL plan_cache_mode = force_generic_plan;
SET LOCAL enable_sort = off;
SET LOCAL enable_seqscan = off;
SELECT ok(position('Index Scan using animus_priority_pgtap_route_rb' IN pg_temp.plan_of('EXECUTE pgtap_read(30, 1)')) > 0
          AND position('Sort' IN pg_temp.plan_of('EXECUTE pgtap_read(30, 1)')) = 0,
    'the read walks the priority index: its ORDER BY is the index''s expression');
RESET enable_sort;
RESET enable_seqscan;
SELECT ok(position('Join' IN pg_temp.plan_of('EXECUTE pgtap_read(30, 1)')) = 0
          AND position('q_pgtap_route_rb_pkey' IN pg_temp.plan_of('EXECUTE pgtap_read(30, 1)')) > 0,
    'its generic plan updates the locked messages by primary key, with no join');
-- The batch's lock and archive, in the generic plan of a queue of some size: one walk of the
-- primary key, which gives the lock its msg_id order (no sort) and scans no more of the queue.
INSERT INTO pgmq.q_pgtap_route_lb (vt, message) SELECT now(), '{}' FROM generate_series(1, 5000);
ANALYZE pgmq.q_pgtap_route_lb;
DO $$ BEGIN
    EXECUTE 'PREPARE pgtap_lock(bigint[], integer[]) AS ' || animus._queue_statement('lock_many', 'pgtap_route_lb', '{$1, $2}');
    EXECUTE 'PREPARE pgtap_archive(bigint[]) AS ' || animus._queue_statement('archive_many', 'pgtap_route_lb', '{$1}');
END $$;
SELECT ok(position('Sort' IN pg_temp.plan_of('EXECUTE pgtap_lock(''{1, 2}'', ''{1, 1}'')')) = 0
          AND position('Seq Scan' IN pg_temp.plan_of('EXECUTE pgtap_lock(''{1, 2}'', ''{1, 1}'')')) = 0
          AND position('q_pgtap_route_lb_pkey' IN pg_temp.plan_of('EXECUTE pgtap_lock(''{1, 2}'', ''{1, 1}'')')) > 0,
    'the generic plan of the batch lock takes the messages by primary key, in its order');
SELECT ok(position('Seq Scan on q_pgtap_route_lb' IN pg_temp.plan_of('EXECUTE pgtap_archive(''{1, 2}'')')) = 0
          AND position('q_pgtap_route_lb_pkey' IN pg_temp.plan_of('EXECUTE pgtap_archive(''{1, 2}'')')) > 0,
    'and so does the batch archive''s');
DEALLOCATE pgtap_lock;
DEALLOCATE pgtap_archive;
RESET plan_cache_mode;
DEALLOCATE pgtap_read;

SELECT throws_ok($$SELECT animus._queue_statement('purge', 'pgtap_route_01', '{}')$$, 'AN000', NULL,
    'an unknown statement kind is refused');
SELECT throws_ok($$SELECT animus._route_function('{}', '_archive_message', 'queue_name text', 'integer', '', NULL, NULL,
                                                'archive', '{msg_id, lease}', 'return', 'RETURN 0;')$$, 'AN000', NULL,
    'and an unknown route mode');
SELECT throws_ok($$SELECT animus._route_queues(-1)$$, 'AN008', NULL, 'max_routes below 0 is refused');

SELECT * FROM finish();
ROLLBACK;
