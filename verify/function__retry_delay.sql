-- Verify animus:function__retry_delay on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._retry_delay(text, integer, text)') AND prosecdef;

ROLLBACK;
