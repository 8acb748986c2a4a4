-- Verify animus:function_create_queue on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.create_queue(text)') AND prosecdef
  AND prosrc LIKE '%_pgmq_relations%';

ROLLBACK;
