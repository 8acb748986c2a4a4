-- pgTAP: animus.hybrid_search() on hand-made vectors where the right order is known.
BEGIN;
SELECT plan(29);

SELECT has_function('animus', 'hybrid_search', ARRAY['text', 'vector', 'integer', 'jsonb', 'integer', 'double precision', 'double precision', 'text', 'text', 'boolean', 'text'], 'animus.hybrid_search exists');
SELECT function_returns('animus', 'hybrid_search', ARRAY['text', 'vector', 'integer', 'jsonb', 'integer', 'double precision', 'double precision', 'text', 'text', 'boolean', 'text'], 'setof animus.hybrid_match', 'it returns setof hybrid_match');
SELECT is_definer('animus', 'hybrid_search', ARRAY['text', 'vector', 'integer', 'jsonb', 'integer', 'double precision', 'double precision', 'text', 'text', 'boolean', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'hybrid_search', ARRAY['text', 'vector', 'integer', 'jsonb', 'integer', 'double precision', 'double precision', 'text', 'text', 'boolean', 'text'], 'stable', 'it is stable');

-- Query: text 'zebra', vector [1, 0, 0].
--   report  vector rank 1, no keyword match
--   both    vector rank 2, keyword rank 1 (shortest zebra document)
--   zoo     vector rank 3, keyword rank 2
--   far     vector rank 4, no keyword match
SELECT animus.store_memory('the quarterly report', 'hy', '[1, 0, 0]');
SELECT animus.store_memory('zebra report', 'hy', '[0.8, 0.6, 0]');
SELECT animus.store_memory('zebra sighting at the city zoo', 'hy', '[0, 1, 0]');
SELECT animus.store_memory('far away', 'hy', '[-1, 0, 0.1]');

-- Default fusion (convex): cosine + 0.25 * keyword score / best keyword score.
CREATE TEMP TABLE convex AS SELECT * FROM animus.hybrid_search('zebra', '[1, 0, 0]', 4, '{"memory_type": "hy"}');
SELECT is(ARRAY(SELECT content FROM convex ORDER BY score DESC),
          ARRAY['zebra report', 'the quarterly report', 'zebra sighting at the city zoo', 'far away'],
          'convex fusion: the best keyword match lifts a close vector match above the nearest');
SELECT ok((SELECT abs(score - (0.8 + 0.25)) < 1e-6 FROM convex WHERE content = 'zebra report'),
          'convex score is cosine + 0.25 * scaled keyword score');
SELECT ok((SELECT abs(score - 1.0) < 1e-9 FROM convex WHERE content = 'the quarterly report'),
          'a row without keyword match scores its cosine');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('zebra', '[1, 0, 0]', 4, '{"memory_type": "hy"}'))::text[],
          ARRAY(SELECT content FROM convex ORDER BY score DESC)::text[], 'rows come back in score order');

CREATE TEMP TABLE hits AS SELECT * FROM animus.hybrid_search('zebra', '[1, 0, 0]', 4, '{"memory_type": "hy"}', fusion => 'rrf');
SELECT is(ARRAY(SELECT content FROM hits ORDER BY score DESC),
          ARRAY['zebra report', 'zebra sighting at the city zoo', 'the quarterly report', 'far away'],
          'RRF puts rows strong in both legs first');
SELECT results_eq($$SELECT vector_rank, keyword_rank FROM hits ORDER BY score DESC$$,
                  $$VALUES (2, 1), (3, 2), (1, NULL::int), (4, NULL::int)$$,
                  'each leg''s 1-based rank, NULL when absent from a leg');
SELECT ok((SELECT abs(score - (1.0 / 62 + 1.0 / 61)) < 1e-12 FROM hits WHERE content = 'zebra report'),
          'RRF score is sum of 1 / (60 + rank) with the default k and weights');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('zebra', '[1, 0, 0]', 4, '{"memory_type": "hy"}', keyword_weight => 0)),
          ARRAY['the quarterly report', 'zebra report', 'zebra sighting at the city zoo', 'far away'],
          'keyword_weight 0 gives the vector order');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('zebra', '[1, 0, 0]', 2, '{"memory_type": "hy"}', vector_weight => 0)),
          ARRAY['zebra report', 'zebra sighting at the city zoo'],
          'vector_weight 0 gives the keyword order');
SELECT is(ARRAY(SELECT content FROM animus.hybrid_search('zebra', '[1, 0, 0]', 4, '{"memory_type": "hy"}', fusion => 'rrf', keyword_weight => 0)),
          ARRAY['the quarterly report', 'zebra report', 'zebra sighting at the city zoo', 'far away'],
          'RRF with keyword_weight 0 gives the vector order too');
SELECT is((SELECT count(*)::int FROM animus.hybrid_search('the of', '[1, 0, 0]', 3, '{"memory_type": "hy"}')), 3,
          'a query with no keywords still returns the vector leg');

SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 0)$$, 'AN008', NULL, 'match_count below 1');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{}', vector_weight => -1)$$, 'AN008', NULL, 'negative weight');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{}', fusion => 'max')$$, 'AN008', NULL, 'unknown fusion');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{}', vector_weight => 0, keyword_weight => 0)$$, 'AN008', NULL, 'both weights 0');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{"type": "hy"}')$$, 'AN010', NULL, 'unknown filter key');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{}', rrf_k => 2147483647, fusion => 'rrf')$$, 'AN008', NULL, 'rrf_k 2^31-1 is AN008, not 22003');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{}', vector_weight => 1e308, keyword_weight => 1e308)$$, 'AN008', NULL, 'weights of 1e308 are AN008, not 22003');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search(repeat('word ', 160000), '[1, 0, 0]')$$, 'AN006', NULL, 'an 800 KB query is AN006, not 54000');
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('z', '[1, 0, 0]', 5, '{"created_after": "2026-01-01 00:00 Mars/Olympus"}')$$, 'AN011', NULL, 'an unknown time zone is AN011, not 22023');
-- A vector stored before the norm check (v0.1.0 data) has a NaN cosine: it must rank last, not first.
INSERT INTO animus.memories (content, memory_type, embedding, content_hash)
VALUES ('poisoned row', 'hy_nan', '[3e38, 3e38, 3e38]', sha256('poisoned row'));
SELECT animus.store_memory('plain row ' || i, 'hy_nan', ('[1, 1, ' || i || ']')::public.vector) FROM generate_series(1, 5) AS i;
-- With the query [1, 1, 1] the dot product overflows too, so the cosine is inf / inf = NaN.
SELECT isnt((SELECT content FROM animus.hybrid_search('row', '[1, 1, 1]', 6, '{"memory_type": "hy_nan"}') LIMIT 1), 'poisoned row', 'a NaN similarity never ranks first (convex)');
SELECT isnt((SELECT content FROM animus.hybrid_search('row', '[1, 1, 1]', 6, '{"memory_type": "hy_nan"}', fusion => 'rrf') LIMIT 1), 'poisoned row', 'a NaN similarity never ranks first (rrf)');
SELECT ok((SELECT bool_and(score <> 'NaN'::float8) FROM animus.hybrid_search('row', '[1, 1, 1]', 6, '{"memory_type": "hy_nan"}')), 'no score is NaN');

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT * FROM animus.hybrid_search('zebra', '[1, 0, 0]')$$, 'animus_app may search');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.hybrid_search('zebra', '[1, 0, 0]')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
