-- Revert animus:table_memory_lexeme_stats from pg
BEGIN;

DROP TRIGGER memories_lexeme_stats_insert ON animus.memories;
DROP TRIGGER memories_lexeme_stats_update ON animus.memories;
DROP TRIGGER memories_lexeme_stats_delete ON animus.memories;
DROP FUNCTION animus._memories_lexeme_stats();
DROP TABLE animus.memory_lexeme_stats;

COMMIT;
