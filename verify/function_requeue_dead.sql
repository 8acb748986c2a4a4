-- Verify animus:function_requeue_dead on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.requeue_dead(text, uuid[], integer)') AND prosecdef
  AND prosrc LIKE '%''priority'', coalesce(dead.priority, 0)%'
  AND prosrc LIKE '%pg_notify(''animus_work''%';

ROLLBACK;
