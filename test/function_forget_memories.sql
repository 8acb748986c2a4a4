-- pgTAP: animus.forget_memories(filters).
BEGIN;
SELECT plan(18);

SELECT has_function('animus', 'forget_memories', ARRAY['jsonb', 'boolean', 'text'], 'animus.forget_memories(jsonb, boolean, text) exists');
SELECT function_returns('animus', 'forget_memories', ARRAY['jsonb', 'boolean', 'text'], 'bigint', 'it returns the count');
SELECT is_definer('animus', 'forget_memories', ARRAY['jsonb', 'boolean', 'text'], 'it is security definer');

SELECT count(animus.store_memory(c, t, '[1, 0, 0]', s, m::jsonb)) FROM (VALUES
    ('a', 'fm_scratch', 'x', '{"run": 1}'),
    ('b', 'fm_scratch', 'y', '{"run": 2}'),
    ('c', 'fm_scratch', 'y', '{"run": 2}'),
    ('d', 'fm_keep', 'y', '{"run": 2}')) AS v(c, t, s, m);

SELECT is(animus.forget_memories('{"memory_type": "fm_scratch", "metadata": {"run": 2}}'), 2::bigint, 'forgets what matches every filter and counts it');
SELECT is(ARRAY(SELECT content FROM animus.memories WHERE memory_type LIKE 'fm\_%' ORDER BY content), ARRAY['a', 'd'], 'the rest stays');
SELECT is(animus.forget_memories('{"memory_type": "fm_none"}'), 0::bigint, 'nothing matching: 0');
SELECT throws_ok($$SELECT animus.forget_memories('{}')$$, 'AN008', NULL, 'an empty filter is refused, not read as everything');
SELECT throws_ok($$SELECT animus.forget_memories('{"memory": "x"}')$$, 'AN010', NULL, 'unknown filter key');
-- Filters that match every row are vacuous too (v0.1.0 deleted the whole table for the first).
SELECT throws_ok($$SELECT animus.forget_memories('{"metadata": {}}')$$, 'AN008', NULL, 'metadata {} is refused: every row contains {}');
SELECT throws_ok($$SELECT animus.forget_memories('{"created_after": "-infinity"}')$$, 'AN008', NULL, 'created_after -infinity is refused');
SELECT throws_ok($$SELECT animus.forget_memories('{"created_before": "infinity", "metadata": {}}')$$, 'AN008', NULL, 'created_before infinity is refused');
SELECT throws_ok($$SELECT animus.forget_memories('{"memory_type": []}')$$, 'AN011', NULL, 'an empty list of types is refused');
SELECT throws_ok($$SELECT animus.forget_memories(NULL)$$, 'AN008', NULL, 'a NULL filter is refused');
SELECT throws_ok($$SELECT animus.forget_memories('{}', NULL)$$, 'AN008', NULL, 'all NULL is refused');
SELECT is((SELECT count(*) FROM animus.memories WHERE memory_type LIKE 'fm\_%'), 2::bigint, 'the refusals deleted nothing');
SAVEPOINT everything;
SELECT is(animus.forget_memories('{"metadata": {}}', "all" => true) >= 2, true, '"all" => true forgets every memory');
ROLLBACK TO SAVEPOINT everything;

SET LOCAL ROLE animus_app;
SELECT is(animus.forget_memories('{"memory_type": ["fm_scratch", "fm_keep"]}'), 2::bigint, 'animus_app may forget by filter');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT animus.forget_memories('{"memory_type": "x"}')$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
