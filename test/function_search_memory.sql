-- pgTAP: animus.search_memory(), vector-only recall (embedding_dim 3).
BEGIN;
SELECT plan(19);

SELECT has_function('animus', 'search_memory', ARRAY['vector', 'integer', 'jsonb', 'boolean', 'text'], 'animus.search_memory exists');
SELECT function_returns('animus', 'search_memory', ARRAY['vector', 'integer', 'jsonb', 'boolean', 'text'], 'setof animus.memory_match', 'it returns setof memory_match');
SELECT is_definer('animus', 'search_memory', ARRAY['vector', 'integer', 'jsonb', 'boolean', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'search_memory', ARRAY['vector', 'integer', 'jsonb', 'boolean', 'text'], 'stable', 'it is stable');

SELECT animus.store_memory('east', 'compass', '[1, 0, 0]', 'map', '{"tag": "x"}');
SELECT animus.store_memory('east by north', 'compass', '[1, 0.3, 0]', 'map', '{"tag": "y"}');
SELECT animus.store_memory('north', 'compass', '[0, 1, 0]', 'atlas', '{"tag": "x"}');
SELECT animus.store_memory('west', 'compass_other', '[-1, 0, 0]', 'map');

SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1, 0.1, 0]', 3, '{"memory_type": "compass"}')),
          ARRAY['east', 'east by north', 'north'], 'nearest first on hand-made vectors');
SELECT ok((SELECT abs(score - 1.0) < 1e-9 FROM animus.search_memory('[2, 0, 0]', 1, '{"memory_type": "compass"}')),
          'score is the cosine similarity (1 for the same direction)');
SELECT ok((SELECT abs(score - 0.0) < 1e-9 FROM animus.search_memory('[0, 1, 0]', 3, '{"memory_type": "compass"}') WHERE content = 'east'),
          'and 0 for orthogonal vectors');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1, 0, 0]', 10, '{"memory_type": ["compass", "compass_other"], "source": "map"}')),
          ARRAY['east', 'east by north', 'west'], 'memory_type list and source filters');
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1, 0, 0]', 10, '{"memory_type": "compass", "metadata": {"tag": "x"}}')),
          ARRAY['east', 'north'], 'metadata containment filter');

-- created_after is inclusive and created_before exclusive.
UPDATE animus.memories SET created_at = '2026-01-01T00:00:00Z' WHERE content = 'east';
UPDATE animus.memories SET created_at = '2026-01-02T00:00:00Z' WHERE content = 'north';
SELECT is(ARRAY(SELECT content FROM animus.search_memory('[1, 0, 0]', 10, '{"memory_type": "compass", "created_after": "2026-01-01T00:00:00Z", "created_before": "2026-01-02T00:00:00Z"}')),
          ARRAY['east'], 'created_after inclusive, created_before exclusive');

SELECT throws_ok($$SELECT * FROM animus.search_memory('[1, 0, 0]', 0)$$, 'AN008', NULL, 'match_count below 1');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1, 0, 0]', 1001)$$, 'AN008', NULL, 'match_count above 1000');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1, 0, 0]', 5, '{"kind": "x"}')$$, 'AN010', NULL, 'unknown filter key');
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1, 0]', 5)$$, 'AN012', NULL, 'wrong dimension');

-- A filter matching 1% of 3000 rows still fills the page. Sequential and bitmap scans are off,
-- so the HNSW index scan is the only plan left: without iterative scans it would stop after
-- ef_search candidates and return only the few that pass the filter.
INSERT INTO animus.memories (content, memory_type, metadata, embedding, content_hash)
SELECT 'row ' || i, 'bulk', jsonb_build_object('bucket', i % 100),
       ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 1.5]::real[]::public.vector,
       sha256(convert_to('row ' || i, 'UTF8'))
FROM generate_series(1, 3000) AS i;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
-- and no sort, else the planner answers exactly from the scope b-tree (the default scope's
-- rows sorted by distance), which fills the page without the HNSW
SET LOCAL enable_sort = off;
SET LOCAL hnsw.ef_search = 10;
SET LOCAL hnsw.iterative_scan = off;
SELECT cmp_ok((SELECT count(*)::int FROM animus._vector_leg('[1, 1, 1]', 10, ROW(NULL, NULL, '{"bucket": 7}', NULL, NULL)::animus.memory_filter, 'default')),
              '<', 10, 'control: a plain HNSW scan with a 1% filter comes back short');
SELECT is((SELECT count(*)::int FROM animus.search_memory('[1, 1, 1]', 10, '{"metadata": {"bucket": 7}}')), 10,
          'search_memory fills the page at 1% selectivity');
SELECT is((SELECT array_agg(metadata->>'bucket' ORDER BY score DESC) FROM animus.search_memory('[1, 1, 1]', 10, '{"metadata": {"bucket": 7}}')),
          array_fill('7'::text, ARRAY[10]), 'and every row passes the filter');
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT * FROM animus.search_memory('[1, 0, 0]', 1)$$, 'animus_app may search');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.search_memory('[1, 0, 0]', 1)$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
