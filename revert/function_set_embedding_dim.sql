-- Revert animus:function_set_embedding_dim from pg
-- The dimension it set stays (the table and animus.embedding_dim() keep it): reverting the
-- function does not undo a change already made.
BEGIN;

DROP FUNCTION animus.set_embedding_dim(integer);

COMMIT;
