-- Revert animus:function_embedding_dim from pg
BEGIN;

DROP FUNCTION animus.embedding_dim();

COMMIT;
