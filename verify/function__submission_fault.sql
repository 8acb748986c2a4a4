-- Verify animus:function__submission_fault on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._submission_fault(text, text, jsonb, text, text, integer, integer, text, text)')
  AND provolatile = 'i';
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._raise_submission_fault(text, bigint, jsonb, integer, integer)') AND prosecdef;

ROLLBACK;
