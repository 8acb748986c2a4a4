-- Verify animus:view_memory_overview on pg
BEGIN;

SELECT memory_type, embedding_model, memories, oldest, newest, last_updated FROM animus.memory_overview WHERE false;
SELECT 1/has_table_privilege('animus_ops', 'animus.memory_overview', 'SELECT')::int;

ROLLBACK;
