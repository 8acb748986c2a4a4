-- pgTAP: animus._keyword_leg(), the full-text leg and its rankings.
BEGIN;
SELECT plan(11);

SELECT has_function('animus', '_keyword_leg', ARRAY['text', 'integer', 'animus.memory_filter', 'text', 'text'], 'animus._keyword_leg exists');
SELECT is_definer('animus', '_keyword_leg', ARRAY['text', 'integer', 'animus.memory_filter', 'text', 'text'], 'it is security definer');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._keyword_leg(text, integer, animus.memory_filter, text, text)', 'EXECUTE'), 'it is private');

SELECT count(animus.store_memory(c, 'kw', '[1, 0, 0]')) FROM (VALUES
    ('The pipeline failed again; the pipeline is flaky.'),
    ('A pipeline for nightly builds.'),
    ('The pipeline uploads artifacts to the pipeline cache.'),
    ('Kestrel alert: pipeline stalled.'),
    ('Lunch is at noon.')) AS v(c);

CREATE TEMP VIEW ranked AS
SELECT r.ranking, array_agg(m.content ORDER BY k.score DESC, k.id) AS contents
FROM (VALUES ('bm25'), ('or_rank_cd'), ('and_rank_cd'), ('and_rank')) AS r(ranking),
     LATERAL animus._keyword_leg('kestrel pipeline', 10, ROW(ARRAY['kw'], NULL, NULL, NULL, NULL)::animus.memory_filter, 'default', r.ranking) AS k
JOIN animus.memories AS m ON m.id = k.id
GROUP BY r.ranking;

SELECT is((SELECT contents[1] FROM ranked WHERE ranking = 'bm25'), 'Kestrel alert: pipeline stalled.',
          'bm25: the rare term outweighs repeats of a common one');
SELECT is((SELECT cardinality(contents) FROM ranked WHERE ranking = 'bm25'), 4,
          'bm25: OR semantics, any query term matches');
SELECT is((SELECT cardinality(contents) FROM ranked WHERE ranking = 'or_rank_cd'), 4,
          'or_rank_cd: OR semantics as well');
SELECT is((SELECT contents FROM ranked WHERE ranking = 'and_rank_cd'), ARRAY['Kestrel alert: pipeline stalled.'],
          'and_rank_cd: websearch_to_tsquery needs every term');
SELECT is((SELECT contents FROM ranked WHERE ranking = 'and_rank'), ARRAY['Kestrel alert: pipeline stalled.'],
          'and_rank: likewise');
SELECT is((SELECT count(*)::int FROM animus._keyword_leg('the and of', 10, NULL, 'default', 'bm25')), 0,
          'a query of stop words only has no keyword matches');
SELECT is((SELECT count(*)::int FROM animus._keyword_leg('pipeline', 10, ROW(ARRAY['nope'], NULL, NULL, NULL, NULL)::animus.memory_filter, 'default', 'bm25')), 0,
          'filters apply to the keyword leg');
SELECT throws_ok($$SELECT * FROM animus._keyword_leg('x', 10, NULL, 'default', 'tfidf')$$, 'AN008', NULL, 'an unknown ranking');

SELECT * FROM finish();
ROLLBACK;
