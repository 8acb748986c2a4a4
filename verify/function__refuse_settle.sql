-- Verify animus:function__refuse_settle on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._refuse_settle(uuid, integer, text)') AND prosecdef;

ROLLBACK;
