-- Revert animus:table_memory_corpus_stats from pg
BEGIN;

DROP TRIGGER memories_corpus_stats_insert ON animus.memories;
DROP TRIGGER memories_corpus_stats_update ON animus.memories;
DROP TRIGGER memories_corpus_stats_delete ON animus.memories;
DROP FUNCTION animus._memories_corpus_stats();
DROP TABLE animus.memory_corpus_stats;

COMMIT;
