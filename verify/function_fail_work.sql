-- Verify animus:function_fail_work on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.fail_work(uuid, text, integer, integer)') AND prosecdef;
-- This version keeps the attempt history and reads the work type's policy.
SELECT 1/(position('work_attempts' IN prosrc) > 0 AND position('work_type_policies' IN prosrc) > 0)::int
FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.fail_work(uuid, text, integer, integer)');

ROLLBACK;
