-- Verify animus:function__resolve_by_msg on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._resolve_by_msg(text, bigint, text, text, text)') AND prosecdef
  AND prosrc LIKE '%FOR UPDATE%';

ROLLBACK;
