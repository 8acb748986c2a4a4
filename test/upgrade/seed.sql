-- Upgrade test, step 2: write real data through the v0.1.0 functions (run by script/test on a
-- database deployed with `sqitch deploy --to @v0.1.0 --set embedding_dim=3`), then snapshot it
-- into public.upgrade_items and public.upgrade_memories for the checks after the upgrade.
-- Only v0.1.0's API is used here: this file must keep working against that release forever.
\set ON_ERROR_STOP on
\set QUIET on

SELECT animus.create_queue('upg_idle'), animus.create_queue('upg_run'),
       animus.create_queue('upg_done'), animus.create_queue('upg_dead');

-- queued, visible now
SELECT * FROM animus.submit_work('upg_idle', 'upg_task', 'upgrade-seed', '{"step": "queued"}',
                                 dedup_key => 'upg-queued', trigger_info => 'seed');
-- queued, delayed by an hour
SELECT * FROM animus.submit_work('upg_idle', 'upg_task', 'upgrade-seed', '{"step": "delayed"}',
                                 dedup_key => 'upg-delayed', delay_seconds => 3600);
-- merged into the first one, twice (different sources keep their own provenance)
SELECT * FROM animus.submit_work('upg_idle', 'upg_task', 'agent-a', '{"step": "again"}', dedup_key => 'upg-queued');
SELECT * FROM animus.submit_work_batch(
    '[{"queue_name": "upg_idle", "work_type": "upg_task", "source": "agent-b", "dedup_key": "upg-queued"},
      {"queue_name": "upg_idle", "work_type": "upg_task", "source": "agent-b", "params": {"step": "batch"}, "dedup_key": "upg-batch", "priority": 5}]');
-- a child of the queued item, without a key
SELECT * FROM animus.submit_work('upg_idle', 'upg_child', 'upgrade-seed', '{"step": "child"}',
                                 parent_id => (SELECT id FROM animus.work_items WHERE dedup_key = 'upg-queued' AND state = 'queued'),
                                 delay_seconds => 3600);

-- running: delivered with an hour's visibility timeout and never settled
SELECT * FROM animus.submit_work('upg_run', 'upg_task', 'upgrade-seed', '{"step": "running"}', dedup_key => 'upg-running');
SELECT count(*) FROM animus.read_work('upg_run', 3600);

-- completed
SELECT * FROM animus.submit_work('upg_done', 'upg_task', 'upgrade-seed', '{"step": "done"}', dedup_key => 'upg-done');
SELECT animus.complete_work(id, '{"ok": true}', 12) FROM animus.read_work('upg_done', 60);

-- dead: one attempt allowed, failed once; and one dead by delete_work
SELECT * FROM animus.submit_work('upg_dead', 'upg_task', 'upgrade-seed', '{"step": "dead"}',
                                 dedup_key => 'upg-dead', max_attempts => 1);
SELECT animus.fail_work(id, 'seeded failure') FROM animus.read_work('upg_dead', 60);
SELECT animus.delete_work('upg_dead', msg_id)
FROM animus.submit_work('upg_dead', 'upg_task', 'upgrade-seed', '{"step": "deleted"}', dedup_key => 'upg-deleted');

-- memories with embeddings (dimension 3), one by one and in a batch, one re-stored (dedup)
SELECT animus.store_memory('the upgrade keeps postgres memories', 'upg_fact', '[1,0,0]', 'upgrade-seed',
                           '{"topic": "upgrade"}', 'seed-model');
SELECT animus.store_memory('queues carry work between agents', 'upg_fact', '[0,1,0]', 'upgrade-seed',
                           '{"topic": "queue"}', 'seed-model');
SELECT animus.store_memory('the upgrade keeps postgres memories', 'upg_fact', '[0.9,0.1,0]', 'upgrade-seed',
                           '{"again": true}', 'seed-model-2');
SELECT * FROM animus.store_memories(
    '[{"content": "vectors live in pgvector", "memory_type": "upg_note", "embedding": [0,0,1], "metadata": {"topic": "vector"}},
      {"content": "keywords use full text search", "memory_type": "upg_note", "embedding": [0,0.6,0.8]}]');

-- A schedule as v0.2.0 and v0.3.0 stored it (test/upgrade/check_schedules.sql), written by hand:
-- the upgrade databases have no pg_cron, and v0.1.0 has no schedules at all.
DO $$
BEGIN
    IF to_regclass('animus.schedules') IS NOT NULL THEN
        INSERT INTO animus.schedules (name, cron, queue_name, work_type, params, dedup_key, jobid)
        VALUES ('upg_nightly', '@daily', 'upg_idle', 'upg_sched', '{"n": 1}', 'upg-nightly', 0);
    END IF;
END
$$;

DROP TABLE IF EXISTS public.upgrade_items, public.upgrade_memories;
CREATE TABLE public.upgrade_items AS
SELECT id, pgmq_msg_id, queue_name, work_type, dedup_key, source, trigger_info, params, priority, state,
       merged_into, parent_id, attempts, max_attempts, outcome_data, outcome_error, outcome_ms, created_at
FROM animus.work_items;
CREATE TABLE public.upgrade_memories AS
SELECT id, content, memory_type, source, metadata, embedding::text AS embedding, embedding_model, created_at
FROM animus.memories;

-- The seed is only useful if it holds every state the upgrade must carry.
DO $$
BEGIN
    ASSERT (SELECT array_agg(DISTINCT state ORDER BY state) FROM public.upgrade_items)
           = ARRAY['completed', 'dead', 'merged', 'queued', 'running'], 'seed lacks a state';
    ASSERT (SELECT count(*) FROM public.upgrade_memories) = 4, 'seed lacks memories';
END
$$;
