-- Verify animus:function_submit_work_batch on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.submit_work_batch(jsonb)') AND prosecdef
  AND prosrc LIKE '%not_integer%' AND prosrc LIKE '%''''priority'''', b.priority%';

ROLLBACK;
