-- Verify animus:function__is_active on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._is_active(text)') AND provolatile = 'i';

ROLLBACK;
