-- Verify animus:function_work_provenance on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.work_provenance(uuid)') AND prosecdef;

ROLLBACK;
