-- Verify animus:function_reconcile on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.reconcile(text, integer)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.reconcile(text, integer)', 'EXECUTE'))::int;

ROLLBACK;
