-- pgTAP: animus.keyword_search(), keyword-only recall.
BEGIN;
SELECT plan(10);

SELECT has_function('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text'], 'animus.keyword_search exists');
SELECT function_returns('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text'], 'setof animus.memory_match', 'it returns setof memory_match');
SELECT is_definer('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'keyword_search', ARRAY['text', 'integer', 'jsonb', 'text'], 'stable', 'it is stable');

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

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT * FROM animus.keyword_search('invoice')$$, 'animus_app may search');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.keyword_search('invoice')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
