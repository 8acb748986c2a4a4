-- Upgrade check (memory, issue 14): on the database seeded under v0.1.0 and upgraded to HEAD,
-- the lexeme statistics were seeded from the old rows, and today's memory functions work on
-- them: BM25 from the statistics, vacuous forget filters refused, the new limits in force.
BEGIN;
SELECT plan(7);

-- The seed's lexemes have exact document frequencies (the change seeded them with ts_stat).
SELECT is(
    (SELECT count(*)::int
     FROM ts_stat($$SELECT search_text FROM animus.memories WHERE id IN (SELECT id FROM public.upgrade_memories)$$) AS f
     WHERE f.ndoc > coalesce((SELECT sum(s.documents) FROM animus.memory_lexeme_stats AS s WHERE s.lexeme = f.word), 0)),
    0, 'every lexeme of the v0.1.0 memories is counted in memory_lexeme_stats');
SELECT is(
    (SELECT sum(documents)::int FROM animus.memory_lexeme_stats WHERE lexeme = 'upgrad'),
    (SELECT count(*)::int FROM animus.memories WHERE search_text @@ 'upgrad'::tsquery),
    'the document frequency of a seeded lexeme matches the table');

SELECT is((SELECT content FROM animus.keyword_search('postgres memories upgrade', 1, '{"memory_type": "upg_fact"}')),
          'the upgrade keeps postgres memories', 'keyword_search ranks a v0.1.0 memory from the statistics');
SELECT is((SELECT count(*)::int FROM animus.hybrid_search('full text keywords', '[0, 0.6, 0.8]', 10, '{"memory_type": ["upg_fact", "upg_note"]}')),
          4, 'hybrid_search fills its page from the v0.1.0 memories');
SELECT throws_ok($$SELECT animus.forget_memories('{"metadata": {}}')$$, 'AN008', NULL,
                 'a vacuous filter is refused on the upgraded database');

-- New stores keep the statistics current next to the seeded counts.
SELECT animus.store_memory('the upgrade keeps postgres statistics too', 'upg_check', '[1, 1, 0]');
SELECT is((SELECT sum(documents)::int FROM animus.memory_lexeme_stats WHERE lexeme = 'upgrad'),
          (SELECT count(*)::int FROM animus.memories WHERE search_text @@ 'upgrad'::tsquery),
          'a store after the upgrade adds to the seeded count');
SELECT throws_ok($$SELECT animus.store_memory(repeat('x', 262145), 'upg_check', '[1, 0, 0]')$$, 'AN006', NULL,
                 'the 256 KiB content limit holds after the upgrade');

SELECT * FROM finish();
ROLLBACK;
