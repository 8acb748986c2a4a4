-- pgTAP: animus.memory_lexeme_stats, the document frequencies kept by statement triggers.
BEGIN;
SELECT plan(7);

SELECT has_table('animus', 'memory_lexeme_stats', 'the lexeme statistics table exists');
SELECT has_trigger('animus', 'memories', 'memories_lexeme_stats_insert', 'insert trigger exists');
SELECT has_trigger('animus', 'memories', 'memories_lexeme_stats_delete', 'delete trigger exists');

-- Drift between the kept counts and a fresh count, over the lexemes of this test's rows.
CREATE TEMP VIEW drift AS
WITH fresh AS (SELECT word AS lexeme, ndoc::bigint AS documents
               FROM ts_stat('SELECT search_text FROM animus.memories')),
     kept AS (SELECT lexeme, sum(documents)::bigint AS documents FROM animus.memory_lexeme_stats GROUP BY lexeme)
SELECT count(*) AS wrong
FROM kept FULL JOIN fresh USING (lexeme)
WHERE coalesce(kept.documents, 0) <> coalesce(fresh.documents, 0)
  AND lexeme LIKE 'lxs%';

SELECT * FROM animus.store_memories($$[
    {"content": "lxsalpha lxsbeta lxsbeta", "memory_type": "lxs_probe", "embedding": [1, 0, 0]},
    {"content": "lxsbeta lxsgamma", "memory_type": "lxs_probe", "embedding": [0, 1, 0]},
    {"content": "lxsbeta lxsgamma", "memory_type": "lxs_probe", "embedding": [0, 1, 1]}]$$);
SELECT is((SELECT sum(documents)::int FROM animus.memory_lexeme_stats WHERE lexeme = 'lxsbeta'), 2, 'a lexeme counts documents, not occurrences or batch repeats');
SELECT is((SELECT wrong FROM drift), 0::bigint, 'after inserts the counts match ts_stat');

SELECT animus.store_memory('lxsbeta lxsgamma', 'lxs_probe', '[1, 1, 1]');
SELECT animus.store_memory('lxsdelta', 'lxs_probe', '[1, 1, 0]');
DELETE FROM animus.memories WHERE memory_type = 'lxs_probe' AND content = 'lxsalpha lxsbeta lxsbeta';
SELECT is((SELECT wrong FROM drift), 0::bigint, 'after a dedup update and a delete the counts match ts_stat');

SELECT ok(NOT has_table_privilege('animus_app', 'animus.memory_lexeme_stats', 'UPDATE'),
          'animus_app cannot change the counts');

SELECT * FROM finish();
ROLLBACK;
