-- Verify animus:function_complete_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.complete_work(uuid, jsonb, bigint, integer)') AND prosecdef;

ROLLBACK;
