-- Upgrade test, step 3: on the database seeded by seed.sql under v0.1.0 and then upgraded to
-- HEAD (`sqitch deploy`), every row is still there and today's functions work on the old rows.
-- Other upgrade checks live beside this file as check_<topic>.sql.
BEGIN;
SELECT plan(22);

-- --- Every row survived ---------------------------------------------------------------------
SELECT set_eq(
    $$SELECT id, pgmq_msg_id, queue_name, work_type, dedup_key, source, trigger_info, params, priority,
             state, merged_into, parent_id, attempts, max_attempts, outcome_data, outcome_error,
             outcome_ms, created_at
      FROM animus.work_items WHERE id IN (SELECT id FROM public.upgrade_items)$$,
    $$SELECT * FROM public.upgrade_items$$,
    'every v0.1.0 work item is still there, unchanged');
SELECT set_eq(
    $$SELECT id, content, memory_type, source, metadata, embedding::text, embedding_model, created_at
      FROM animus.memories WHERE id IN (SELECT id FROM public.upgrade_memories)$$,
    $$SELECT * FROM public.upgrade_memories$$,
    'every v0.1.0 memory is still there, unchanged');
SELECT set_eq(
    $$SELECT msg_id FROM pgmq.q_upg_idle UNION ALL SELECT msg_id FROM pgmq.q_upg_run$$,
    $$SELECT pgmq_msg_id FROM public.upgrade_items WHERE state IN ('queued', 'running')$$,
    'every active item still has its message');
SELECT is((SELECT count(*)::int FROM animus.queues WHERE queue_name LIKE 'upg\_%'), 4, 'the four queues are still registered');

-- --- Queue functions of HEAD on v0.1.0 rows --------------------------------------------------
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('upg_idle', 30, 10);
SELECT set_eq($$SELECT id FROM got$$,
    $$SELECT id FROM public.upgrade_items WHERE queue_name = 'upg_idle' AND state = 'queued'
        AND dedup_key IN ('upg-queued', 'upg-batch')$$,
    'read_work delivers the visible v0.1.0 items, not the delayed ones');
SELECT is((SELECT params FROM got WHERE dedup_key = 'upg-batch'), '{"step": "batch"}'::jsonb, 'with their params');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT id FROM got WHERE dedup_key = 'upg-queued')),
    'running', 'the delivered item is running');
SELECT lives_ok($$SELECT animus.complete_work((SELECT id FROM got WHERE dedup_key = 'upg-queued'), '{"after": "upgrade"}')$$,
    'complete_work settles a v0.1.0 item');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT id FROM got WHERE dedup_key = 'upg-queued')),
    'completed', 'it is completed');
SELECT is((SELECT status FROM animus.submit_work('upg_idle', 'upg_task', 'after', dedup_key => 'upg-queued')),
    'queued', 'its dedup key is free again');
SELECT is((SELECT status FROM animus.submit_work('upg_idle', 'upg_task', 'after', dedup_key => 'upg-delayed')),
    'merged', 'a key held by a delayed v0.1.0 item still merges');
SELECT is((SELECT count(*)::int FROM animus.work_provenance(
              (SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-queued' AND state = 'queued'))
           WHERE relation = 'merged'),
    2, 'provenance of the old item still shows its two merged submissions');
SELECT lives_ok($$SELECT animus.fail_work((SELECT id FROM got WHERE dedup_key = 'upg-batch'), 'after upgrade', 0)$$,
    'fail_work retries a v0.1.0 item');
SELECT is((SELECT state FROM animus.work_items WHERE id = (SELECT id FROM got WHERE dedup_key = 'upg-batch')),
    'queued', 'it is queued again');

-- The item that was running across the upgrade: an operator can extend and complete it.
SELECT lives_ok($$SELECT animus.extend_work((SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-running'), 600)$$,
    'extend_work on the item that was running during the upgrade');
SELECT lives_ok($$SELECT animus.complete_work((SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-running'))$$,
    'complete_work on it');
SELECT is((SELECT count(*)::int FROM animus.requeue_dead('upg_dead',
              ARRAY(SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-dead'))),
    1, 'requeue_dead takes back the v0.1.0 dead item');
SELECT is((SELECT count(*)::int FROM animus.read_work('upg_dead', 30)), 1, 'and it is delivered again');

-- --- Memory functions of HEAD on v0.1.0 rows -------------------------------------------------
SELECT is((SELECT content FROM animus.search_memory('[1,0,0]', 1, '{"memory_type": "upg_fact"}')),
    'the upgrade keeps postgres memories', 'search_memory finds a v0.1.0 memory by its embedding');
SELECT is((SELECT content FROM animus.keyword_search('pgvector vectors', 1, '{"memory_type": "upg_note"}')),
    'vectors live in pgvector', 'keyword_search finds a v0.1.0 memory by its words');
SELECT is((SELECT content FROM animus.hybrid_search('which queues carry work', '[0,1,0]', 1,
              '{"memory_type": ["upg_fact", "upg_note"]}')),
    'queues carry work between agents', 'hybrid_search ranks v0.1.0 memories');
SELECT isnt((SELECT animus.store_memory('the upgrade keeps postgres memories', 'upg_fact', '[1,0,0]')),
    NULL::bigint, 'store_memory still deduplicates into a v0.1.0 row');

SELECT * FROM finish();
ROLLBACK;
