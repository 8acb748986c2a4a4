-- pgTAP: priority at read (animus._index_queue, the priority in the message, read_work's order).
BEGIN;
SELECT plan(16);

SELECT has_function('animus', '_index_queue', ARRAY['text'], 'animus._index_queue(text) exists');
SELECT is_definer('animus', '_index_queue', ARRAY['text'], 'it is SECURITY DEFINER');

SELECT animus.create_queue('pgtap_prio');
SELECT isnt(to_regclass('pgmq.' || animus._priority_index('pgtap_prio')), NULL, 'create_queue creates the priority index');
SELECT lives_ok($$SELECT animus._index_queue('pgtap_prio')$$, '_index_queue is idempotent');
SELECT lives_ok($$SELECT animus.create_queue('pgtap_prio')$$, 'create_queue on an existing queue still works');

-- Single submits of mixed priorities, a batch, and messages other pgmq clients sent.
CREATE TEMP TABLE sub (n int, work_id uuid, priority int);
INSERT INTO sub SELECT p.n, (animus.submit_work('pgtap_prio', 'prio', 'agent', jsonb_build_object('n', p.n), priority => p.pr)).work_id, p.pr
FROM (VALUES (1, 0), (2, 5), (3, 100), (4, -3), (5, 5), (6, 0)) AS p(n, pr) ORDER BY p.n;
INSERT INTO sub SELECT 6 + r.ordinality::int, r.work_id, (ARRAY[7, NULL, 100])[r.ordinality]
FROM animus.submit_work_batch('[{"queue_name": "pgtap_prio", "work_type": "prio", "source": "agent", "priority": 7},
                                {"queue_name": "pgtap_prio", "work_type": "prio", "source": "agent"},
                                {"queue_name": "pgtap_prio", "work_type": "prio", "source": "agent", "priority": 100}]')
     WITH ORDINALITY AS r;
UPDATE sub SET priority = 0 WHERE priority IS NULL;

SELECT is((SELECT message->'priority' FROM pgmq.q_pgtap_prio q JOIN sub ON sub.work_id = (q.message->>'work_id')::uuid WHERE sub.n = 3),
    '100'::jsonb, 'submit_work puts the priority into the message');
SELECT is((SELECT message->'priority' FROM pgmq.q_pgtap_prio q JOIN sub ON sub.work_id = (q.message->>'work_id')::uuid WHERE sub.n = 8),
    '0'::jsonb, 'a batch item without priority carries 0');

-- A foreign message with a non-numeric priority: the insert must not fail on the index.
SELECT lives_ok($$SELECT pgmq.send('pgtap_prio', '{"priority": "high"}')$$,
    'a pgmq client can still send a message whose priority is not a number');

-- Reading with enable_sort off: the order must come from the index, not a sort.
SET LOCAL enable_sort = off;
SET LOCAL enable_seqscan = off;
CREATE TEMP TABLE got1 AS SELECT * FROM animus.read_work('pgtap_prio', 30, 4);
CREATE TEMP TABLE got2 AS SELECT * FROM animus.read_work('pgtap_prio', 30, 10);
RESET enable_sort;
RESET enable_seqscan;
SELECT results_eq($$SELECT priority FROM got1$$, $$VALUES (100), (100), (7), (5)$$,
    'the first read takes the highest priorities, highest first');
SELECT results_eq($$SELECT id FROM got1 LIMIT 2$$,
    $$SELECT work_id FROM sub WHERE n IN (3, 9) ORDER BY n$$, 'equal priorities go oldest first (msg_id)');
SELECT results_eq($$SELECT priority FROM got2$$, $$VALUES (5), (0), (0), (0), (-3)$$,
    'the next read continues in priority order; the foreign message is skipped (no item)');
SELECT results_eq($$SELECT id FROM got2 WHERE priority = 0$$,
    $$SELECT work_id FROM sub WHERE priority = 0 ORDER BY n$$, 'priority 0 in submission order');
SELECT is((SELECT count(*)::int FROM got1 JOIN got2 USING (id)), 0, 'no item is delivered twice');

-- Old messages without a priority (v0.2.0 wrote {"work_id": ...}) count as 0.
SELECT animus.create_queue('pgtap_prio_old');
CREATE TEMP TABLE old_sub AS
SELECT (animus.submit_work('pgtap_prio_old', 'prio', 'agent', priority => p)).work_id, p FROM unnest(ARRAY[0, -1, 2]) AS p;
UPDATE pgmq.q_pgtap_prio_old SET message = message - 'priority'
WHERE (message->>'work_id')::uuid = (SELECT work_id FROM old_sub WHERE p = 0);
SELECT results_eq($$SELECT priority FROM animus.read_work('pgtap_prio_old', 30, 3)$$, $$VALUES (2), (0), (-1)$$,
    'a message without a priority is read as priority 0');

-- Any pgmq client still reads the messages (msg_id order, priority ignored).
SELECT animus.create_queue('pgtap_prio_raw');
SELECT animus.submit_work('pgtap_prio_raw', 'prio', 'agent', priority => p) FROM unnest(ARRAY[1, 9]) AS p;
SELECT results_eq($$SELECT (message->>'priority')::int FROM pgmq.read('pgtap_prio_raw', 30, 2) ORDER BY msg_id$$,
    $$VALUES (1), (9)$$, 'pgmq.read reads animus messages as ordinary messages');

-- Every queue has the index (the upgrade change gives old queues theirs).
SELECT is((SELECT count(*)::int FROM animus.queues q
           WHERE to_regclass(format('pgmq.%I', animus._pgmq_relation(q.queue_name, 'queue'))) IS NOT NULL
             AND to_regclass('pgmq.' || animus._priority_index(q.queue_name)) IS NULL), 0,
    'every queue has its priority index');

SELECT * FROM finish();
ROLLBACK;
