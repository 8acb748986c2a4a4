-- pgTAP: animus.set_embedding_dim (test database at embedding_dim 3). Everything here is rolled
-- back, the dimension change included.
BEGIN;
SELECT plan(36);

SELECT has_function('animus', 'set_embedding_dim', ARRAY['integer'], 'set_embedding_dim exists');
SELECT is_definer('animus', 'set_embedding_dim', ARRAY['integer'], 'it is security definer');
SELECT ok(NOT has_function_privilege('animus_app', 'animus.set_embedding_dim(integer)', 'EXECUTE')
          AND NOT has_function_privilege('animus_ops', 'animus.set_embedding_dim(integer)', 'EXECUTE'),
          'only the schema owner may change the dimension');
SELECT throws_ok($$SELECT animus.set_embedding_dim(0)$$, 'AN030', NULL, 'dimension 0 is AN030');
SELECT throws_ok($$SELECT animus.set_embedding_dim(4001)$$, 'AN030', NULL, 'over 4000 (halfvec''s HNSW limit) is AN030');
SELECT throws_ok($$SELECT animus.set_embedding_dim(NULL)$$, 'AN030', NULL, 'NULL is AN030');
SELECT is(animus.set_embedding_dim(3), 0::bigint, 'the current dimension changes nothing');

CREATE TEMP TABLE r AS
SELECT animus.store_memory('dimension change memory number ' || g || CASE WHEN g = 2 THEN ' zebra' ELSE '' END,
                           'sdtap', format('[1, %s, 0.5]', g)::public.vector, 'tap',
                           jsonb_build_object('n', g), 'model-3') AS id, g
FROM generate_series(1, 5) AS g;
CREATE TEMP TABLE before AS
SELECT id, content, memory_type, source, metadata, content_hash, key, chunk_index, created_at, updated_at
FROM animus.memories;
CREATE TEMP TABLE stats_before AS
SELECT lexeme, sum(documents) AS documents FROM animus.memory_lexeme_stats GROUP BY lexeme;
CREATE TEMP TABLE corpus_before AS SELECT sum(documents) AS d, sum(lexemes) AS l FROM animus.memory_corpus_stats;

SELECT is(animus.set_embedding_dim(4), (SELECT count(*) FROM before), 'moving to 4 dimensions empties every embedding and says how many');
SELECT is(animus.embedding_dim(), 4, 'embedding_dim() is 4');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding'),
          'vector(4)', 'the column is vector(4)');
SELECT is((SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
           JOIN pg_opclass o ON o.oid = i.indclass[0]
           WHERE c.relname = 'memories_embedding_idx' AND a.amname = 'hnsw' AND o.opcname = 'vector_cosine_ops'), 1,
          'the HNSW index is rebuilt for vector');
SELECT is((SELECT count(*)::int FROM animus.memories AS m JOIN before AS b USING (id)
           WHERE (m.content, m.memory_type, m.source, m.metadata, m.content_hash, m.key, m.chunk_index, m.created_at, m.updated_at)
                 IS NOT DISTINCT FROM (b.content, b.memory_type, b.source, b.metadata, b.content_hash, b.key, b.chunk_index, b.created_at, b.updated_at)),
          (SELECT count(*)::int FROM before), 'every memory is kept: ids, content, metadata, keys, timestamps');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE embedding IS NOT NULL OR embedding_model IS NOT NULL), 0,
          'no embedding or embedding_model is left');
-- A memory awaiting its new embedding can still have its metadata changed; new content still
-- needs an embedding.
SELECT is(animus.update_memory((SELECT min(id) FROM before), metadata => '{"waiting": true}', scope => (SELECT scope FROM animus.memories WHERE id = (SELECT min(id) FROM before))),
          true, 'update_memory changes the metadata of a memory awaiting re-embedding');
SELECT is((SELECT metadata FROM animus.memories WHERE id = (SELECT min(id) FROM before)), '{"waiting": true}'::jsonb, 'and the metadata is stored');
SELECT throws_ok(format($$SELECT animus.update_memory(%s, content => 'new text', scope => %L)$$, (SELECT min(id) FROM before),
                        (SELECT scope FROM animus.memories WHERE id = (SELECT min(id) FROM before))),
                 'AN020', NULL, 'new content without an embedding is still AN020');
SELECT is((SELECT count(*)::int FROM (SELECT lexeme, sum(documents) AS documents FROM animus.memory_lexeme_stats GROUP BY lexeme) AS s
           FULL JOIN stats_before AS b USING (lexeme) WHERE s.documents IS DISTINCT FROM b.documents), 0,
          'the keyword statistics are unchanged');
SELECT is((SELECT (sum(documents), sum(lexemes)) FROM animus.memory_corpus_stats)::text,
          (SELECT (d, l) FROM corpus_before)::text, 'and so are the corpus statistics');

-- While the memories wait: the vector leg skips them, keyword search still finds them.
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1, 0, 0, 0]', 10)), 0, 'vector search returns no memory without an embedding');
SELECT is((SELECT id FROM animus.keyword_search('zebra', 1, '{"memory_type": "sdtap"}')), (SELECT id FROM r WHERE g = 2),
          'keyword search still finds them');
SELECT is((SELECT (id, vector_rank) FROM animus.hybrid_search('zebra', '[1, 0, 0, 0]', 1, '{"memory_type": "sdtap"}'))::text,
          (SELECT (id, NULL::int) FROM r WHERE g = 2)::text, 'hybrid search finds them by keyword, with no vector rank');
SELECT throws_ok($$SELECT animus.store_memory('old dimension', 'sdtap', '[1, 0, 0]')$$, 'AN012', NULL, 'a 3-dimensional store is AN012 now');
SELECT throws_ok($$SELECT animus.store_memory('no embedding', 'sdtap', NULL)$$, 'AN013', NULL, 'a store still needs an embedding');
SELECT is(animus.count_to_reembed('model-4', 'sdtap'), 5::bigint, 'all of them are to re-embed');
SELECT is(animus.set_embeddings((SELECT jsonb_agg(jsonb_build_object('id', id, 'embedding', jsonb_build_array(1, g, 0.5, g))) FROM r), 'model-4'),
          5, 'set_embeddings fills them');
SELECT is((SELECT array_agg(id ORDER BY score DESC) FROM animus.search_memory('[1, 5, 0.5, 5]', 2, '{"memory_type": "sdtap"}')),
          ARRAY(SELECT id FROM r WHERE g IN (5, 4) ORDER BY g DESC), 'and vector search finds them again');

-- Above 2000 dimensions: halfvec, with a halfvec HNSW index that search uses.
CREATE TEMP TABLE filled AS SELECT count(*) AS n FROM animus.memories WHERE embedding IS NOT NULL;
SELECT is(animus.set_embedding_dim(2048), (SELECT n FROM filled), 'moving to 2048');
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'animus.memories'::regclass AND attname = 'embedding'),
          'halfvec(2048)', 'the column is halfvec(2048)');
SELECT is((SELECT o.opcname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_opclass o ON o.oid = i.indclass[0]
           WHERE c.relname = 'memories_embedding_idx'), 'halfvec_cosine_ops', 'the HNSW index is halfvec_cosine_ops');
SELECT lives_ok($$SELECT animus.store_memory('wide memory ' || g, 'sdtap_wide',
                        (SELECT array_agg(CASE WHEN i = g THEN 1 ELSE 0.01 END)::real[]::public.vector FROM generate_series(1, 2048) AS i))
                  FROM generate_series(1, 3) AS g$$, 'a 2048-dimensional memory is stored');
SELECT is((SELECT content FROM animus.search_memory((SELECT array_agg(CASE WHEN i = 2 THEN 1 ELSE 0 END)::real[]::public.vector FROM generate_series(1, 2048) AS i),
                                                    1, '{"memory_type": "sdtap_wide"}')),
          'wide memory 2', 'and found by vector search');
SELECT throws_ok($$SELECT animus._check_embedding(array_fill(70000::real, ARRAY[2048])::public.vector)$$, 'AN013', NULL,
                 'a component beyond half precision is AN013, not pgvector''s 22003');
SELECT throws_ok($$SELECT animus.search_memory(array_fill(1e-9::real, ARRAY[2048])::public.vector)$$, 'AN013', NULL,
                 'a vector that vanishes in half precision is AN013');
SELECT throws_ok($$SELECT animus.store_memory('too wide', 'sdtap_wide', array_fill(70000::real, ARRAY[2048])::public.vector)$$, 'AN013', NULL,
                 'and store_memory refuses it too');

SET LOCAL enable_seqscan = off;
SET LOCAL enable_sort = off;
CREATE TEMP TABLE plan_lines (line text);
DO $$
DECLARE r record;
BEGIN
    FOR r IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT * FROM animus._vector_leg(%L, 10, ROW(NULL, NULL, NULL, NULL, NULL)::animus.memory_filter, ''default'')',
                            (SELECT array_agg(0.5)::real[]::public.vector FROM generate_series(1, 2048))::text) LOOP
        INSERT INTO plan_lines VALUES (r."QUERY PLAN");
    END LOOP;
END $$;
SELECT ok(EXISTS (SELECT FROM plan_lines WHERE line ~ 'Index Scan using memories_embedding_idx'), 'the vector leg uses the halfvec index');
SELECT ok(NOT EXISTS (SELECT FROM plan_lines WHERE line ~ '^\s*(->\s*)?Sort'), 'with no separate sort');

SELECT * FROM finish();
ROLLBACK;
