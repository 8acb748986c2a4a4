-- Verify animus:function__lock_active_item on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._lock_active_item(text, text)') AND prosecdef;

ROLLBACK;
