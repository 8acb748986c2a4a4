-- pgTAP: animus.memories_to_reembed, count_to_reembed, set_embeddings (test database at embedding_dim 3).
BEGIN;
SELECT plan(42);

SELECT has_function('animus', 'memories_to_reembed', ARRAY['text', 'integer', 'bigint', 'text', 'text'], 'memories_to_reembed exists');
SELECT has_function('animus', 'count_to_reembed', ARRAY['text', 'text', 'text'], 'count_to_reembed exists');
SELECT has_function('animus', 'set_embeddings', ARRAY['jsonb', 'text'], 'set_embeddings exists');
SELECT is_definer('animus', 'set_embeddings', ARRAY['jsonb', 'text'], 'set_embeddings is security definer');

-- Own memory types: the table may hold other tests' rows (and upgraded v0.1.0 data).
CREATE TEMP TABLE r AS
SELECT animus.store_memory('reembed one ' || g, CASE WHEN g <= 4 THEN 'rtap_a' ELSE 'rtap_b' END,
                           format('[1, %s, 0.5]', g)::public.vector, 'tap', jsonb_build_object('n', g),
                           CASE WHEN g % 2 = 0 THEN 'model-old' ELSE NULL END) AS id, g
FROM generate_series(1, 6) AS g;
CREATE TEMP TABLE before AS
SELECT id, content, memory_type, source, metadata, content_hash, key, chunk_index, created_at, updated_at
FROM animus.memories WHERE memory_type IN ('rtap_a', 'rtap_b');

SELECT is(animus.count_to_reembed('model-new', 'rtap_a'), 4::bigint, 'every rtap_a memory is from another model (or none)');
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-new', 3, 0, 'rtap_b')),
          ARRAY(SELECT id FROM r WHERE g > 4 ORDER BY id), 'one type only, in id order');
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-new', 2, 0, 'rtap_a')),
          ARRAY(SELECT id FROM r WHERE g <= 2 ORDER BY id), 'batch_size bounds the batch');
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-new', 2, (SELECT id FROM r WHERE g = 2), 'rtap_a')),
          ARRAY(SELECT id FROM r WHERE g IN (3, 4) ORDER BY id), 'after_id pages by keyset');
SELECT is((SELECT content_hash FROM animus.memories_to_reembed('model-new', 1, 0, 'rtap_a')),
          (SELECT content_hash FROM animus.memories WHERE id = (SELECT id FROM r WHERE g = 1)), 'the content hash comes along');
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-old', 10, 0, 'rtap_a')),
          ARRAY(SELECT id FROM r WHERE g IN (1, 3) ORDER BY id), 'memories already of the model are left out');

-- Write a batch: two of them, one with its content hash.
SELECT is(animus.set_embeddings(jsonb_build_array(
            jsonb_build_object('id', (SELECT id FROM r WHERE g = 1), 'embedding', '[0, 0, 1]'::jsonb,
                               'content_hash', encode((SELECT content_hash FROM animus.memories WHERE id = (SELECT id FROM r WHERE g = 1)), 'hex')),
            jsonb_build_object('id', (SELECT id FROM r WHERE g = 2), 'embedding', '[0, 1, 0]'::jsonb)), 'model-new'),
          2, 'set_embeddings returns how many it wrote');
SELECT is((SELECT embedding::text || ' ' || embedding_model FROM animus.memories WHERE id = (SELECT id FROM r WHERE g = 1)),
          '[0,0,1] model-new', 'the embedding and its model are written');
SELECT is(animus.count_to_reembed('model-new', 'rtap_a'), 2::bigint, 'and they are no longer to re-embed (a resumed run skips them)');
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-new', 10, 0, 'rtap_a')),
          ARRAY(SELECT id FROM r WHERE g IN (3, 4) ORDER BY id), 'a new run starts at the first memory not done');
SELECT is((SELECT count(*)::int FROM animus.memories AS m JOIN before AS b USING (id)
           WHERE (m.content, m.memory_type, m.source, m.metadata, m.content_hash, m.key, m.chunk_index, m.created_at, m.updated_at)
                 IS NOT DISTINCT FROM (b.content, b.memory_type, b.source, b.metadata, b.content_hash, b.key, b.chunk_index, b.created_at, b.updated_at)),
          6, 'content, type, source, metadata, hash, key and timestamps are unchanged');
SELECT is((SELECT id FROM animus.search_memory('[0, 0, 1]', 1, '{"memory_type": "rtap_a"}')),
          (SELECT id FROM r WHERE g = 1), 'search finds the memory by its new embedding');

-- Skips: a content hash that no longer matches (the memory changed since), an id forgotten since.
SELECT is(animus.set_embeddings(jsonb_build_array(
            jsonb_build_object('id', (SELECT id FROM r WHERE g = 3), 'embedding', '[0, 1, 1]'::jsonb, 'content_hash', repeat('00', 32)),
            jsonb_build_object('id', 9223372036854775807, 'embedding', '[0, 1, 1]'::jsonb)), 'model-new'),
          0, 'a changed content or a missing id is skipped, not an error');
SELECT is((SELECT embedding_model FROM animus.memories WHERE id = (SELECT id FROM r WHERE g = 3)), NULL, 'and nothing was written to it');
SELECT is(animus.set_embeddings('[]', 'model-new'), 0, 'an empty batch writes nothing');

-- Bad input: an animus SQLSTATE, and nothing written (all or nothing).
SELECT throws_ok($$SELECT animus.set_embeddings(jsonb_build_array(
            jsonb_build_object('id', (SELECT id FROM r WHERE g = 5), 'embedding', '[0, 1, 1]'::jsonb),
            jsonb_build_object('id', (SELECT id FROM r WHERE g = 6), 'embedding', '[0, 1]'::jsonb)), 'model-new')$$,
          'AN012', NULL, 'a wrong dimension in a batch is AN012');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE id IN (SELECT id FROM r WHERE g IN (5, 6)) AND embedding_model = 'model-new'),
          0, 'and the batch wrote nothing');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [0, 0, 0]}]', 'm')$$, 'AN013', NULL, 'a zero vector is AN013');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1, "x", 0]}]', 'm')$$, 'AN013', NULL, 'a non-number is AN013');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1e39, 0, 0]}]', 'm')$$, 'AN013', NULL, 'beyond single precision is AN013');
SELECT throws_ok($$SELECT animus.set_embeddings(jsonb_build_array(jsonb_build_object('id', 1, 'embedding', to_jsonb(array_fill(1, ARRAY[16001])))), 'm')$$,
          'AN012', NULL, 'over 16,000 dimensions is AN012, not pgvector''s 54000');
SELECT throws_ok($$SELECT animus.set_embeddings('{"id": 1}', 'm')$$, 'AN031', NULL, 'not an array is AN031');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": "1", "embedding": [1, 0, 0]}]', 'm')$$, 'AN031', NULL, 'a string id is AN031');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1.5, "embedding": [1, 0, 0]}]', 'm')$$, 'AN031', NULL, 'a fractional id is AN031');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1, 0, 0], "content_hash": "zz"}]', 'm')$$, 'AN031', NULL, 'a content_hash that is not hex is AN031');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1, 0, 0]}, {"id": 1, "embedding": [0, 1, 0]}]', 'm')$$, 'AN031', NULL, 'the same id twice is AN031');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1, 0, 0]}]', '')$$, 'AN008', NULL, 'an empty model is AN008');
SELECT throws_ok($$SELECT * FROM animus.memories_to_reembed('m', 0)$$, 'AN008', NULL, 'batch_size 0 is AN008');
SELECT throws_ok($$SELECT * FROM animus.memories_to_reembed(NULL)$$, 'AN008', NULL, 'a NULL model is AN008');
-- A model name is a text field of 4 KiB at most: over it is AN006 in all three functions, as in
-- store_memory (docs/errors.md); empty or NULL is AN008.
SELECT throws_ok($$SELECT * FROM animus.memories_to_reembed(repeat('m', 4097))$$, 'AN006', NULL, 'a model name over 4 KiB is AN006 (memories_to_reembed)');
SELECT throws_ok($$SELECT animus.count_to_reembed(repeat('m', 4097))$$, 'AN006', NULL, 'and for count_to_reembed');
SELECT throws_ok($$SELECT animus.set_embeddings('[{"id": 1, "embedding": [1, 0, 0]}]', repeat('m', 4097))$$, 'AN006', NULL, 'and for set_embeddings');
SELECT throws_ok($$SELECT animus.count_to_reembed('')$$, 'AN008', NULL, 'an empty model is AN008 for count_to_reembed too');
SELECT throws_ok($$SELECT * FROM animus.memories_to_reembed('m', 10, NULL)$$, 'AN008', NULL, 'a NULL after_id is AN008');

-- One scope only (animus memory reembed --scope): the other scopes' memories are left alone.
SELECT animus.store_memory('reembed scoped', 'rtap_s', '[1, 0, 0]', scope => 'rtap-tenant') AS scoped_id \gset
SELECT animus.store_memory('reembed scoped', 'rtap_s', '[0, 1, 0]', scope => 'rtap-other') AS other_id \gset
SELECT is(ARRAY(SELECT id FROM animus.memories_to_reembed('model-new', 10, 0, 'rtap_s', 'rtap-tenant')),
          ARRAY[:scoped_id::bigint], 'a scope narrows the batch to its memories');
SELECT is(animus.count_to_reembed('model-new', 'rtap_s', 'rtap-tenant'), 1::bigint, 'and the count');
SELECT is(animus.count_to_reembed('model-new', 'rtap_s'), 2::bigint, 'no scope: every scope');
SELECT throws_ok($$SELECT animus.count_to_reembed('m', NULL, 'bad scope!')$$, 'AN026', NULL, 'a bad scope is AN026');

SELECT * FROM finish();
ROLLBACK;
