-- Upgrade check (memory2, issue 15): the v0.1.0 memories come through as unkeyed rows (key NULL,
-- chunk 0) that keep their content dedup, and the lifecycle functions work on them.
BEGIN;
SELECT plan(8);

SELECT is((SELECT count(*)::int FROM animus.memories
           WHERE id IN (SELECT id FROM public.upgrade_memories) AND (key IS NOT NULL OR chunk_index <> 0)),
          0, 'every v0.1.0 memory is unkeyed, chunk 0');
SELECT is(animus.store_memory('the upgrade keeps postgres memories', 'upg_fact', '[1,0,0]'),
          (SELECT min(id) FROM animus.memories WHERE content = 'the upgrade keeps postgres memories'),
          'storing a v0.1.0 content again still returns its id (content dedup per memory_type)');
SELECT is((SELECT content FROM animus.get_memory((SELECT min(id) FROM public.upgrade_memories))),
          (SELECT content FROM animus.memories WHERE id = (SELECT min(id) FROM public.upgrade_memories)),
          'get_memory reads a v0.1.0 memory');

SELECT (SELECT id FROM animus.memories WHERE content = 'queues carry work between agents') AS old_id \gset
SELECT is(animus.update_memory(:old_id, 'queues carry work between agents and people', '{"edited": true}', '[0,1,0.1]'),
          true, 'update_memory edits a v0.1.0 memory');
SELECT is((SELECT sum(documents)::int FROM animus.memory_lexeme_stats WHERE lexeme = 'peopl'),
          (SELECT count(*)::int FROM animus.memories WHERE search_text @@ 'peopl'::tsquery),
          'the lexeme statistics follow the edit');
SELECT throws_ok($$SELECT animus.update_memory((SELECT min(id) FROM public.upgrade_memories), 'x')$$, 'AN020', NULL,
                 'new content without an embedding is refused');

-- A keyed document next to the v0.1.0 rows, with a chunk equal to one of their contents.
SELECT is((SELECT count(*)::int FROM animus.store_document('upg/doc.md', 'upg_fact',
             '[{"content": "the upgrade keeps postgres memories", "embedding": [1,0,0]},
               {"content": "a second chunk", "embedding": [0,1,0]}]')), 2,
          'a keyed document may repeat an unkeyed memory''s content');
SELECT is(animus.forget_document('upg/doc.md'), 2::bigint, 'forget_document removes its chunks only');

SELECT * FROM finish();
ROLLBACK;
