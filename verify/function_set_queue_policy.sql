-- Verify animus:function_set_queue_policy on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.set_queue_policy(text, integer, integer)') AND prosecdef;

ROLLBACK;
