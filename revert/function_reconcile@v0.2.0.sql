-- Revert animus:function_reconcile from pg
BEGIN;

DROP FUNCTION animus.reconcile(text, integer);

COMMIT;
