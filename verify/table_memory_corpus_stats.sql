-- Verify animus:table_memory_corpus_stats on pg
BEGIN;

SELECT shard, documents, lexemes FROM animus.memory_corpus_stats WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'animus.memories'::regclass AND tgname = 'memories_corpus_stats_insert';
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._memories_corpus_stats()');

ROLLBACK;
