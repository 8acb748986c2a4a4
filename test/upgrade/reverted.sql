-- Upgrade test, step 4: after `sqitch revert --to @v0.1.0` on the upgraded database, the v0.1.0
-- functions still work on the data (v0.1.0 signatures only).
BEGIN;
SELECT plan(7);

SELECT is((SELECT count(*)::int FROM animus.work_items WHERE id IN (SELECT id FROM public.upgrade_items)),
    (SELECT count(*)::int FROM public.upgrade_items), 'every seeded work item is there');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE id IN (SELECT id FROM public.upgrade_memories)),
    (SELECT count(*)::int FROM public.upgrade_memories), 'every seeded memory is there');
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('upg_idle', 30, 10);
SELECT is((SELECT count(*)::int FROM got), 2, 'v0.1.0 read_work delivers the two visible items');
SELECT lives_ok($$SELECT animus.complete_work((SELECT id FROM got WHERE dedup_key = 'upg-queued'))$$,
    'v0.1.0 complete_work settles one');
SELECT is((SELECT status FROM animus.submit_work('upg_idle', 'upg_task', 'after', dedup_key => 'upg-queued')),
    'queued', 'v0.1.0 submit_work reuses the freed key');
SELECT is((SELECT content FROM animus.search_memory('[0,0,1]', 1)), 'vectors live in pgvector',
    'v0.1.0 search_memory works');
SELECT is((SELECT content FROM animus.hybrid_search('postgres memories upgrade', '[1,0,0]', 1)),
    'the upgrade keeps postgres memories', 'v0.1.0 hybrid_search works');

SELECT * FROM finish();
ROLLBACK;
