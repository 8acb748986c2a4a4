-- Verify animus:function_embedding_dim on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.embedding_dim()');
SELECT 1/(animus.embedding_dim() > 0)::int;

ROLLBACK;
