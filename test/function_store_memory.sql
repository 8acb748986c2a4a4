-- pgTAP: animus.store_memory() (embedding_dim 3 in this test database).
BEGIN;
SELECT plan(25);

SELECT has_function('animus', 'store_memory', ARRAY['text', 'text', 'vector', 'text', 'jsonb', 'text', 'text'], 'animus.store_memory exists');
SELECT function_returns('animus', 'store_memory', ARRAY['text', 'text', 'vector', 'text', 'jsonb', 'text', 'text'], 'bigint', 'it returns the id');
SELECT is_definer('animus', 'store_memory', ARRAY['text', 'text', 'vector', 'text', 'jsonb', 'text', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'store_memory', ARRAY['text', 'text', 'vector', 'text', 'jsonb', 'text', 'text'], 'volatile', 'it is volatile');

CREATE TEMP TABLE ids (label text PRIMARY KEY, id bigint);
INSERT INTO ids SELECT 'first', animus.store_memory('The sky is blue.', 'fact', '[1, 0, 0]', 'chat', '{"a": 1, "b": 1}', 'model-a');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE content = 'The sky is blue.'), 1, 'a new memory is one new row');
SELECT results_eq(
    $$SELECT content, memory_type, source, metadata, embedding::text, embedding_model FROM animus.memories WHERE id = (SELECT id FROM ids WHERE label = 'first')$$,
    $$VALUES ('The sky is blue.', 'fact', 'chat', '{"a": 1, "b": 1}'::jsonb, '[1,0,0]', 'model-a')$$,
    'every field is stored');
SELECT is((SELECT content_hash FROM animus.memories WHERE id = (SELECT id FROM ids WHERE label = 'first')),
          sha256(convert_to('The sky is blue.', 'UTF8')), 'content_hash is sha256 of the content');

-- Same content and memory_type: the same id; metadata merged (new keys win), embedding replaced.
INSERT INTO ids SELECT 'again', animus.store_memory('The sky is blue.', 'fact', '[0, 1, 0]', 'other', '{"b": 2, "c": 3}', 'model-b');
SELECT is((SELECT id FROM ids WHERE label = 'again'), (SELECT id FROM ids WHERE label = 'first'), 'storing the same content again returns the existing id');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE content = 'The sky is blue.'), 1, 'and adds no row');
SELECT results_eq(
    $$SELECT source, metadata, embedding::text, embedding_model, updated_at >= created_at FROM animus.memories WHERE id = (SELECT id FROM ids WHERE label = 'first')$$,
    $$VALUES ('chat', '{"a": 1, "b": 2, "c": 3}'::jsonb, '[0,1,0]', 'model-b', true)$$,
    'metadata merged with new keys winning, embedding and model replaced, first source kept');
-- The same content under another memory_type is another memory.
INSERT INTO ids SELECT 'other_type', animus.store_memory('The sky is blue.', 'episode', '[1, 0, 0]');
SELECT isnt((SELECT id FROM ids WHERE label = 'other_type'), (SELECT id FROM ids WHERE label = 'first'), 'dedup is per memory_type');
SELECT is((SELECT metadata FROM animus.memories WHERE id = (SELECT id FROM ids WHERE label = 'other_type')), '{}'::jsonb, 'metadata defaults to {}');

SELECT throws_ok($$SELECT animus.store_memory('x', 'fact', '[1, 2]')$$, 'AN012', NULL, 'wrong dimension');
SELECT throws_ok($$SELECT animus.store_memory('x', 'fact', '[0, 0, 0]')$$, 'AN013', NULL, 'all-zero vector');
SELECT throws_ok($$SELECT animus.store_memory('x', 'fact', NULL)$$, 'AN013', NULL, 'NULL vector');
SELECT throws_ok($$SELECT animus.store_memory('x', 'fact', '[1, 0, 0]', NULL, '[1, 2]')$$, 'AN014', NULL, 'metadata must be an object');
SELECT throws_ok($$SELECT animus.store_memory('', 'fact', '[1, 0, 0]')$$, 'AN008', NULL, 'empty content');
SELECT throws_ok($$SELECT animus.store_memory('x', '', '[1, 0, 0]')$$, 'AN008', NULL, 'empty memory_type');
SELECT throws_ok($$SELECT animus.store_memory(repeat('x', 262145), 'fact', '[1, 0, 0]')$$, 'AN006', NULL, 'content over 256 KiB');
-- 800 KB of distinct words: under v0.1.0's 1 MiB limit, it failed building the tsvector (54000).
SELECT throws_ok($$SELECT animus.store_memory((SELECT string_agg(md5(i::text), ' ') FROM generate_series(1, 24000) AS i), 'fact', '[1, 0, 0]')$$, 'AN006', NULL, '800 KB of words gets AN006, not 54000');
-- The densest tsvector per byte (hyphenated parts are lexemes of their own) fits at the limit.
SELECT lives_ok($$SELECT animus.store_memory(left((SELECT string_agg('a' || i || '-b' || i, ' ') FROM generate_series(1, 40000) AS i), 262144), 'fact_dense', '[1, 0, 0]')$$, 'dense text at 256 KiB builds its tsvector');
SELECT throws_ok($$SELECT animus.store_memory('x', 'fact', '[3e38, 3e38, 3e38]')$$, 'AN013', NULL, 'a vector whose cosine overflows is refused');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE content IN ('x', '')), 0, 'failed stores wrote nothing');

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT animus.store_memory('app may store', 'fact', '[1, 1, 1]')$$, 'animus_app may store memories');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT animus.store_memory('ops may not', 'fact', '[1, 1, 1]')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
