-- Verify animus:function_reembed on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.memories_to_reembed(text, integer, bigint, text, text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.set_embeddings(jsonb, text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.count_to_reembed(text, text, text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._check_unbound(text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._check_model_name(text, text)') AND prosecdef;

ROLLBACK;
