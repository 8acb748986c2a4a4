-- pgTAP: animus.store_memories(), the batch form.
BEGIN;
SELECT plan(21);

SELECT has_function('animus', 'store_memories', ARRAY['jsonb', 'text'], 'animus.store_memories(jsonb, text) exists');
SELECT function_returns('animus', 'store_memories', ARRAY['jsonb', 'text'], 'setof bigint', 'it returns one id per item');
SELECT is_definer('animus', 'store_memories', ARRAY['jsonb', 'text'], 'it is security definer');

SELECT animus.store_memory('already here', 'batch', '[0, 0, 1]') AS existing \gset
CREATE TEMP TABLE got AS
SELECT row_number() OVER () AS n, id FROM animus.store_memories($$[
    {"content": "one", "memory_type": "batch", "embedding": [1, 0, 0], "source": "s1", "metadata": {"k": 1}, "embedding_model": "m"},
    {"content": "two", "memory_type": "batch", "embedding": [0, 1, 0]},
    {"content": "one", "memory_type": "batch", "embedding": [1, 1, 0], "metadata": {"j": 2}},
    {"content": "already here", "memory_type": "batch", "embedding": [0, 1, 1]}
]$$) AS id;
SELECT is((SELECT count(*)::int FROM got), 4, 'one id per item');
SELECT is((SELECT id FROM got WHERE n = 3), (SELECT id FROM got WHERE n = 1), 'a duplicate inside the batch gets the first item''s id');
SELECT is((SELECT id FROM got WHERE n = 4), :existing::bigint, 'an item already stored gets the existing id');
SELECT ok((SELECT id FROM got WHERE n = 1) < (SELECT id FROM got WHERE n = 2), 'ids come back in input order');
SELECT results_eq(
    $$SELECT metadata, embedding::text, source FROM animus.memories WHERE content = 'one' AND memory_type = 'batch'$$,
    $$VALUES ('{"j": 2, "k": 1}'::jsonb, '[1,1,0]', 's1')$$,
    'later items merge into earlier ones like repeated store_memory calls');

SELECT throws_ok($$SELECT * FROM animus.store_memories('{"content": "x"}')$$, 'AN007', NULL, 'items must be an array');
-- What pgvector's input refuses with a raw SQLSTATE comes out as AN codes, naming the item.
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "big", "memory_type": "batch", "embedding": [1e39, 0, 0]}]')$$, 'AN013', NULL, 'a component beyond single precision is AN013');
SELECT throws_ok($$SELECT * FROM animus.store_memories(jsonb_build_array(jsonb_build_object('content', 'wide', 'memory_type', 'batch', 'embedding', (SELECT jsonb_agg(1) FROM generate_series(1, 16001)))))$$, 'AN012', NULL, '16,001 dimensions is AN012, not 54000');
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "huge", "memory_type": "batch", "embedding": [3e38, 3e38, 3e38]}]')$$, 'AN013', NULL, 'a vector whose cosine overflows is AN013');
SELECT throws_ok($$SELECT * FROM animus.store_memories(jsonb_build_array(jsonb_build_object('content', repeat('x', 300000), 'memory_type', 'batch', 'embedding', jsonb_build_array(1, 0, 0))))$$, 'AN006', NULL, 'content over 256 KiB is AN006');
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "ok", "memory_type": "batch", "embedding": [1, 0, 0]}, {"content": "x"}]')$$,
                 'AN007', NULL, 'an item without memory_type or embedding');
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "fine", "memory_type": "batch", "embedding": [1, 0, 0]}, {"content": "bad", "memory_type": "batch", "embedding": [1, 0]}]')$$,
                 'AN012', NULL, 'an item''s own error keeps its SQLSTATE');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE content IN ('ok', 'fine', 'bad')), 0, 'a failed batch writes nothing');
-- Every key must be one the function reads: a misspelt key is refused, not dropped.
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "typo", "memory_type": "batch", "embedding": [1, 0, 0], "metdata": {"k": 1}}]')$$,
                 'AN007', 'item 1 has an unknown field ''metdata''', 'a misspelt key is AN007, naming it');
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "typo", "memory_type": "batch", "embedding": [1, 0, 0], "scope": "acme"}]')$$,
                 'AN007', 'item 1 has an unknown field ''scope''', 'so is a scope in an item (the scope is the argument)');
SELECT is((SELECT count(*)::int FROM animus.memories WHERE content = 'typo'), 0, 'and nothing is stored');

SET LOCAL ROLE animus_app;
SELECT lives_ok($$SELECT * FROM animus.store_memories('[{"content": "app", "memory_type": "batch", "embedding": [1, 1, 1]}]')$$, 'animus_app may store batches');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.store_memories('[{"content": "ops", "memory_type": "batch", "embedding": [1, 1, 1]}]')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
