-- Verify animus:function__check_queue on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._check_queue(text, boolean)') AND prosecdef;

ROLLBACK;
