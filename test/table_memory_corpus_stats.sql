-- pgTAP: animus.memory_corpus_stats, kept current by statement triggers.
BEGIN;
SELECT plan(6);

SELECT has_table('animus', 'memory_corpus_stats', 'the stats table exists');
SELECT has_trigger('animus', 'memories', 'memories_corpus_stats_insert', 'insert trigger exists');

CREATE TEMP VIEW drift AS
SELECT (SELECT sum(documents) FROM animus.memory_corpus_stats) - (SELECT count(*) FROM animus.memories) AS documents,
       (SELECT sum(lexemes) FROM animus.memory_corpus_stats)
       - (SELECT coalesce(sum(length(search_text)), 0) FROM animus.memories) AS lexemes;

SELECT animus.store_memory('alpha beta gamma', 'stats_probe', '[1,0,0]'::public.vector);
SELECT * FROM animus.store_memories(jsonb_build_array(
    jsonb_build_object('content', 'delta epsilon', 'memory_type', 'stats_probe', 'embedding', '[0,1,0]'::jsonb),
    jsonb_build_object('content', 'zeta', 'memory_type', 'stats_probe', 'embedding', '[0,0,1]'::jsonb)));
SELECT results_eq('SELECT documents, lexemes FROM drift', $$VALUES (0::numeric, 0::numeric)$$,
                  'after inserts the totals match the table');

-- Re-storing the same content updates the row: no new document is counted.
SELECT animus.store_memory('alpha beta gamma', 'stats_probe', '[1,1,0]'::public.vector);
SELECT results_eq('SELECT documents, lexemes FROM drift', $$VALUES (0::numeric, 0::numeric)$$,
                  'a dedup update leaves the totals right');

SELECT animus.forget_memories('{"memory_type": "stats_probe"}');
SELECT results_eq('SELECT documents, lexemes FROM drift', $$VALUES (0::numeric, 0::numeric)$$,
                  'after deletes the totals match the table');

SELECT ok(NOT has_table_privilege('animus_app', 'animus.memory_corpus_stats', 'UPDATE'),
          'animus_app cannot change the totals');

SELECT * FROM finish();
ROLLBACK;
