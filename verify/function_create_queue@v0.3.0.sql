-- Verify animus:function_create_queue on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.create_queue(text, boolean, text, text)') AND prosecdef
  AND prosrc LIKE '%_pgmq_relations%' AND prosrc LIKE '%animus._create_pgmq%'
  AND prosrc LIKE '%animus._index_queue%';

ROLLBACK;
