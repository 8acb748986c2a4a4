-- Verify animus:view_memory_overview on pg
BEGIN;

SELECT scope, memory_type, embedding_model, memories, oldest, newest, last_updated
FROM animus.memory_overview WHERE false;

ROLLBACK;
