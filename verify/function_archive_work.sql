-- Verify animus:function_archive_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.archive_work(text, bigint)') AND prosecdef;

ROLLBACK;
