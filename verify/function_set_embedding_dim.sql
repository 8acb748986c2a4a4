-- Verify animus:function_set_embedding_dim on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.set_embedding_dim(integer)') AND prosecdef;

ROLLBACK;
