-- Upgrade check (reembed, issue 15): v0.1.0 memories (embedding_model NULL) are found by the
-- re-embed functions, take new embeddings without any other change, and survive a dimension
-- change with their ids, content and metadata. Everything is rolled back.
BEGIN;
SELECT plan(7);

SELECT is((SELECT count(*)::int FROM animus.memories_to_reembed('upg-model', 1000)
           WHERE id IN (SELECT id FROM public.upgrade_memories)),
          (SELECT count(*)::int FROM public.upgrade_memories), 'every v0.1.0 memory is to re-embed with a named model');
SELECT is(animus.set_embeddings((SELECT jsonb_agg(jsonb_build_object('id', id, 'embedding', '[0.5, 0.5, 0.5]'::jsonb))
                                 FROM public.upgrade_memories), 'upg-model'),
          (SELECT count(*)::int FROM public.upgrade_memories), 'set_embeddings writes them');
SELECT is((SELECT count(*)::int FROM animus.memories AS m JOIN public.upgrade_memories AS u USING (id)
           WHERE (m.content, m.memory_type, m.source, m.metadata, m.created_at) IS NOT DISTINCT FROM
                 (u.content, u.memory_type, u.source, u.metadata, u.created_at)
             AND m.embedding_model = 'upg-model'),
          (SELECT count(*)::int FROM public.upgrade_memories), 'with only their embedding and model changed');

SELECT ok(animus.set_embedding_dim(4) >= (SELECT count(*) FROM public.upgrade_memories), 'a dimension change empties them');
SELECT is((SELECT count(*)::int FROM animus.memories AS m JOIN public.upgrade_memories AS u USING (id)
           WHERE (m.content, m.memory_type, m.source, m.metadata, m.created_at) IS NOT DISTINCT FROM
                 (u.content, u.memory_type, u.source, u.metadata, u.created_at) AND m.embedding IS NULL),
          (SELECT count(*)::int FROM public.upgrade_memories), 'and keeps every v0.1.0 memory');
SELECT is((SELECT content FROM animus.keyword_search('postgres memories upgrade', 1)),
          'the upgrade keeps postgres memories', 'keyword search still finds them');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1, 0, 0, 0]', 10)
           WHERE id IN (SELECT id FROM public.upgrade_memories)), 0, 'vector search skips them until re-embedded');

SELECT * FROM finish();
ROLLBACK;
