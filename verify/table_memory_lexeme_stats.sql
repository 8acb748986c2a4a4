-- Verify animus:table_memory_lexeme_stats on pg
BEGIN;

SELECT lexeme, shard, documents FROM animus.memory_lexeme_stats WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'animus.memories'::regclass AND tgname = 'memories_lexeme_stats_insert';
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._memories_lexeme_stats()');

ROLLBACK;
