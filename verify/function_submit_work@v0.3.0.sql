-- Verify animus:function_submit_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text)') AND prosecdef
  AND prosrc LIKE '%animus._lock_active_item%' AND prosrc LIKE '%''priority'', coalesce(submit_work.priority, 0)%';

ROLLBACK;
