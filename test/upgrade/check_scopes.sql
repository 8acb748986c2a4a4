-- Upgrade check (scopes, issue 15): the v0.1.0 memories (test/upgrade/seed.sql) land in the
-- default scope, are found there by every recall function, and by no other scope; dedup
-- against them is per scope.
BEGIN;
SELECT plan(9);

SELECT is((SELECT count(*)::int FROM animus.memories
           WHERE id IN (SELECT id FROM public.upgrade_memories) AND scope <> 'default'),
          0, 'every v0.1.0 memory is in the default scope');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE id IN (SELECT id FROM public.upgrade_memories)),
          (SELECT count(*)::int FROM public.upgrade_memories), 'and none was lost');
SELECT ok((SELECT min(id) FROM public.upgrade_memories WHERE content = 'vectors live in pgvector')
          IN (SELECT id FROM animus.search_memory('[0,0,1]', 5, '{"memory_type": "upg_note"}')),
          'search_memory finds a v0.1.0 memory in the default scope (no scope argument)');
SELECT ok((SELECT min(id) FROM public.upgrade_memories WHERE content = 'vectors live in pgvector')
          IN (SELECT id FROM animus.search_memory('[0,0,1]', 5, '{"memory_type": "upg_note"}', scope => 'default')),
          'and with scope => ''default''');
SELECT ok((SELECT min(id) FROM public.upgrade_memories WHERE content = 'keywords use full text search')
          IN (SELECT id FROM animus.hybrid_search('full text keywords', '[0,0.6,0.8]', 5, '{"memory_type": "upg_note"}')),
          'hybrid_search finds one');
SELECT ok((SELECT min(id) FROM public.upgrade_memories WHERE content = 'keywords use full text search')
          IN (SELECT id FROM animus.keyword_search('keywords', 5, '{"memory_type": "upg_note"}')),
          'keyword_search finds one');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[0,0,1]', 5, '{"memory_type": "upg_note"}', scope => 'upg/other')),
          0, 'another scope sees none of them');
SELECT isnt(animus.store_memory('the upgrade keeps postgres memories', 'upg_fact', '[1,0,0]', scope => 'upg/other'),
            (SELECT min(id) FROM public.upgrade_memories WHERE content = 'the upgrade keeps postgres memories'),
            'the same content in another scope is a row of its own (dedup per scope)');
SELECT is((SELECT sum(memories)::int FROM animus.memory_overview WHERE scope = 'default' AND memory_type IN ('upg_fact', 'upg_note')),
          (SELECT count(*)::int FROM animus.memories WHERE scope = 'default' AND memory_type IN ('upg_fact', 'upg_note')),
          'memory_overview counts them under the default scope');

SELECT * FROM finish();
ROLLBACK;
