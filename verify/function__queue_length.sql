-- Verify animus:function__queue_length on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._queue_length(text)') AND prosecdef;

ROLLBACK;
