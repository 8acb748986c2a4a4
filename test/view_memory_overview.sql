-- pgTAP: animus.memory_overview, for operators.
BEGIN;
SELECT plan(5);

SELECT has_view('animus', 'memory_overview', 'animus.memory_overview exists');
SELECT count(animus.store_memory(c, t, '[1, 0, 0]', NULL, '{}', m)) FROM (VALUES
    ('a', 'ov_one', 'model-a'), ('b', 'ov_one', 'model-a'), ('c', 'ov_one', 'model-b'), ('d', 'ov_two', NULL)) AS v(c, t, m);
SELECT results_eq(
    $$SELECT memory_type, embedding_model, memories FROM animus.memory_overview WHERE memory_type LIKE 'ov\_%' ORDER BY 1, 2$$,
    $$VALUES ('ov_one', 'model-a', 2::bigint), ('ov_one', 'model-b', 1::bigint), ('ov_two', NULL, 1::bigint)$$,
    'counts per memory_type and embedding_model');

SET LOCAL ROLE animus_ops;
SELECT is((SELECT sum(memories)::int FROM animus.memory_overview WHERE memory_type LIKE 'ov\_%'), 4, 'animus_ops may read it');
RESET ROLE;
SELECT ok(NOT has_table_privilege('animus_app', 'animus.memory_overview', 'SELECT'), 'animus_app may not');
SELECT ok(NOT has_table_privilege('public', 'animus.memory_overview', 'SELECT'), 'nor PUBLIC');

SELECT * FROM finish();
ROLLBACK;
