-- Verify animus:function_read_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.read_work(text, integer, integer)') AND prosecdef
  AND prosrc LIKE '%i.read_ct)::animus.work_delivery%' AND prosrc LIKE '%ORDER BY i.msg_priority DESC%';

ROLLBACK;
