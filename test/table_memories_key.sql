-- pgTAP: keyed memories and documents (store_document, forget_document), get_memory and
-- update_memory. Own memory types and keys only: the suite also runs on an upgraded database.
BEGIN;
SELECT plan(29);

SELECT has_column('animus', 'memories', 'key', 'memories has a key');
SELECT has_column('animus', 'memories', 'chunk_index', 'memories has a chunk_index');
SELECT volatility_is('animus', 'get_memory', ARRAY['bigint', 'text'], 'stable', 'get_memory is read-only (runs on a standby)');
SELECT is_definer('animus', 'update_memory', ARRAY['bigint', 'text', 'jsonb', 'vector', 'text', 'text'], 'update_memory is security definer');

-- Upsert by key: the same key again replaces content and chunks, first chunk's id kept.
SELECT array_agg(id) AS v1 FROM animus.store_document('mk/a.md', 'mk_doc',
    '[{"content": "alpha part one", "embedding": [1,0,0], "metadata": {"headings": ["A"]}},
      {"content": "alpha part two", "embedding": [0,1,0]},
      {"content": "alpha part three", "embedding": [0,0,1]}]', 'mk-src', '{"lang": "en"}') AS s(id) \gset
SELECT is((SELECT count(*)::int FROM animus.memories WHERE key = 'mk/a.md'), 3, 'three chunks stored');
SELECT is((SELECT metadata FROM animus.memories WHERE key = 'mk/a.md' AND chunk_index = 0),
          '{"lang": "en", "headings": ["A"], "document": "mk/a.md", "chunk": 0}'::jsonb,
          'chunk metadata: the document''s, the chunk''s, its key and index');
-- One transaction has one now(): date the rows back to see which ones a re-store touches.
UPDATE animus.memories SET updated_at = '2000-01-01Z' WHERE key = 'mk/a.md';
SELECT is(ARRAY(SELECT s.id FROM animus.store_document('mk/a.md', 'mk_doc',
    '[{"content": "alpha part one", "embedding": [1,0,0], "metadata": {"headings": ["A"]}},
      {"content": "alpha part 2, edited", "embedding": [0,1,0.2]}]', 'mk-src', '{"lang": "en"}') AS s(id)),
          (:'v1'::bigint[])[1:2], 'storing the key again keeps the chunk ids');
SELECT is(ARRAY(SELECT content FROM animus.memories WHERE key = 'mk/a.md' ORDER BY chunk_index),
          ARRAY['alpha part one', 'alpha part 2, edited'], 'the old chunks are replaced, the extra one deleted');
SELECT is(ARRAY(SELECT updated_at = '2000-01-01Z' FROM animus.memories WHERE key = 'mk/a.md' ORDER BY chunk_index),
          ARRAY[true, false], 'an unchanged chunk keeps its updated_at, a changed one gets now()');
SELECT is((SELECT sum(documents)::int FROM animus.memory_lexeme_stats WHERE lexeme = 'three'),
          (SELECT count(*)::int FROM animus.memories WHERE search_text @@ 'three'::tsquery),
          'the lexeme statistics follow the replacement');
SELECT is((SELECT count(*)::int FROM animus.store_document('mk/b.md', 'mk_doc',
             '[{"content": "alpha part one", "embedding": [1,0,0]}]')), 1,
          'two documents may share a chunk''s content (keyed rows never merge by content)');
SELECT isnt(animus.store_memory('alpha part one', 'mk_doc', '[1,0,0]'), (:'v1'::bigint[])[1],
            'an unkeyed memory with that content is a row of its own');
SELECT is(animus.store_memory('alpha part one', 'mk_doc', '[1,0,0]'), animus.store_memory('alpha part one', 'mk_doc', '[0,1,0]'),
          'unkeyed memories still dedup by content');
SELECT throws_ok($$SELECT animus.store_document('', 'mk_doc', '[{"content": "x", "embedding": [1,0,0]}]')$$, 'AN008', NULL, 'empty key');
SELECT throws_ok($$SELECT animus.store_document('mk/c', 'mk_doc', '[]')$$, 'AN007', NULL, 'no chunks');
SELECT throws_ok($$SELECT animus.store_document('mk/c', 'mk_doc', '[{"content": "x", "embedding": [1,0]}]')$$, 'AN012', NULL, 'wrong dimension');
SELECT throws_ok($$SELECT animus.store_document('mk/c', 'mk_doc', '[{"content": "x", "embedding": [1,0,0], "metadata": 3}]')$$, 'AN014', NULL, 'chunk metadata not an object');
SELECT is(animus.forget_document('mk/a.md'), 2::bigint, 'forget_document deletes every chunk');

-- get_memory and update_memory.
SELECT animus.store_memory('mk note one', 'mk_note', '[1,0,0]', 'src', '{"a": 1}') AS n1 \gset
SELECT animus.store_memory('mk note two', 'mk_note', '[0,1,0]') AS n2 \gset
SELECT is((SELECT row(content, memory_type, source, metadata, key, chunk_index)::text FROM animus.get_memory(:n1)),
          row('mk note one', 'mk_note', 'src', '{"a": 1}'::jsonb, NULL::text, 0)::text, 'get_memory returns the row');
SELECT is((SELECT count(*)::int FROM animus.get_memory(-1)), 0, 'no row for an unknown id');
SELECT throws_ok(format('SELECT animus.update_memory(%s, %L)', :n1, 'mk note edited'), 'AN020', NULL,
                 'new content without an embedding');
SELECT throws_ok(format('SELECT animus.update_memory(%s, %L, embedding => %L)', :n1, 'mk note two', '[1,1,0]'), 'AN021', NULL,
                 'new content that another memory of the type holds');
UPDATE animus.memories SET updated_at = '2000-01-01Z' WHERE id = :n1;
SELECT is(animus.update_memory(:n1, 'mk note edited', '{"b": 2}', '[1,1,0]', 'm2'), true, 'update_memory edits');
SELECT is((SELECT row(content, metadata, embedding_model, updated_at = now())::text FROM animus.memories WHERE id = :n1),
          row('mk note edited', '{"b": 2}'::jsonb, 'm2', true)::text, 'content, metadata and model changed, updated_at moved');

-- group_by_document: the best chunk per document, in search_memory and hybrid_search.
SELECT animus.store_document('mk/g1', 'mk_group', '[{"content": "grouping one a", "embedding": [1,0,0]},
    {"content": "grouping one b", "embedding": [0.9,0.1,0]}, {"content": "grouping one c", "embedding": [0.8,0.2,0]}]');
SELECT animus.store_document('mk/g2', 'mk_group', '[{"content": "grouping two a", "embedding": [0.7,0.3,0]},
    {"content": "grouping two b", "embedding": [0,1,0]}]');
SELECT animus.store_memory('grouping loose', 'mk_group', '[0.6,0.4,0]');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1,0,0]', 3, '{"memory_type": "mk_group"}')),
          ARRAY['grouping one a', 'grouping one b', 'grouping one c'], 'without grouping, one document fills the page');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1,0,0]', 3, '{"memory_type": "mk_group"}', group_by_document => true)),
          ARRAY['grouping one a', 'grouping two a', 'grouping loose'], 'grouped: the nearest chunk of each document; an unkeyed memory is its own group');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('grouping', '[1,0,0]', 3, '{"memory_type": "mk_group"}', group_by_document => true)),
          ARRAY['grouping one a', 'grouping two a', 'grouping loose'], 'hybrid_search groups the same way');
SELECT is((SELECT count(*)::int FROM animus.hybrid_search('grouping', '[1,0,0]', 10, '{"memory_type": "mk_group"}')), 6,
          'hybrid_search without grouping returns every chunk');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1,0,0]', 3, '{}', NULL)$$, 'AN008', NULL, 'a NULL group_by_document');

SELECT * FROM finish();
ROLLBACK;
