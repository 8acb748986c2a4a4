-- pgTAP: animus.keyword_search(), keyword-only recall.
BEGIN;
SELECT plan(15);

SELECT has_function('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text', 'text'], 'animus.keyword_search exists');
SELECT function_returns('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text', 'text'], 'setof animus.memory_match', 'it returns setof memory_match');
SELECT is_definer('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text', 'text'], 'stable', 'it is stable');

SELECT animus.store_memory('Invoice INV-20931 was paid late.', 'ks', '[1, 0, 0]', 'billing');
SELECT animus.store_memory('Invoices are due in thirty days.', 'ks', '[0, 1, 0]', 'policy');
SELECT animus.store_memory('The office plants need water.', 'ks', '[0, 0, 1]', 'office');

SELECT is(ARRAY(SELECT content FROM animus.keyword_search('INV-20931', 5, '{"memory_type": "ks"}')),
          ARRAY['Invoice INV-20931 was paid late.'], 'an exact code finds its memory');
SELECT is(ARRAY(SELECT content FROM animus.keyword_search('invoice paid', 5, '{"memory_type": "ks"}')),
          ARRAY['Invoice INV-20931 was paid late.', 'Invoices are due in thirty days.'], 'stemmed terms, best match first');
SELECT is(ARRAY(SELECT content FROM animus.keyword_search('invoice', 5, '{"memory_type": "ks", "source": "policy"}')),
          ARRAY['Invoices are due in thirty days.'], 'filters apply');
SELECT throws_ok($$SELECT * FROM animus.keyword_search('x', 5, '{"sauce": "s"}')$$, 'AN010', NULL, 'unknown filter key');
-- Full pages: one rare term (2 rows) and a common one (30 rows); v0.1.0 took candidates from
-- the rare term alone and returned 2 of 10, and 0 under a filter that 10 common rows match.
SELECT animus.store_memory('ksfill rare ' || i, 'ks_fill', ('[1, ' || i || ', 0]')::public.vector, 'other') FROM generate_series(1, 2) AS i;
-- Past the candidates' posting budget (1000 for a page of 10; v0.1.0's was 4000): 4100 rows
-- with the common term, 10 of them in src5. Written by one INSERT without embeddings (a
-- keyword search reads none; the lexeme and corpus statistics come from the table's statement
-- triggers, as for store_memories): through store_memories each row's HNSW insert made this
-- statement take 13-19 s, against 0.2 s.
INSERT INTO animus.memories (content, memory_type, source, embedding, content_hash)
SELECT 'ksfill common ' || i, 'ks_fill', CASE WHEN i <= 10 THEN 'src5' END, NULL,
       sha256(convert_to('ksfill common ' || i, 'UTF8'))
FROM generate_series(1, 4100) AS i;
SELECT is((SELECT count(*)::int FROM animus.keyword_search('rare common', 10, '{"memory_type": "ks_fill"}')), 10, 'a page is full when enough rows match');
SELECT is((SELECT count(*)::int FROM animus.keyword_search('rare common', 10, '{"memory_type": "ks_fill", "source": "src5"}')), 10, 'and full under a filter that only common-term rows pass');
SELECT is((SELECT content FROM animus.keyword_search('rare common', 10, '{"memory_type": "ks_fill"}') ORDER BY score DESC, id LIMIT 1) LIKE 'ksfill rare%', true, 'the rare term still ranks first');
SELECT throws_ok($$SELECT * FROM animus.keyword_search(repeat('x', 262145))$$, 'AN006', NULL, 'a query over 256 KiB is AN006');
SELECT is((SELECT count(*)::int FROM animus.keyword_search((SELECT string_agg('absentterm' || i, ' ') FROM generate_series(1, 16000) AS i))), 0, 'absent terms match nothing (and are dropped, not counted)');

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT * FROM animus.keyword_search('invoice')$$, 'animus_app may search');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.keyword_search('invoice')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
