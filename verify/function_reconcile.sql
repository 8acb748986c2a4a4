-- Verify animus:function_reconcile on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.reconcile(text, integer)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.reconcile(text, integer)', 'EXECUTE'))::int;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.reconcile(text, integer)') AND prosrc LIKE '%dropped with its partition%';

ROLLBACK;
