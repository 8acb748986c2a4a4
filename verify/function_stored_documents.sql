-- Verify animus:function_stored_documents on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.stored_documents(text[], text)') AND prosecdef
  AND provolatile = 's';
SELECT 1/COUNT(*) WHERE has_function_privilege(
    'animus_app', 'animus.stored_documents(text[], text)', 'EXECUTE');

ROLLBACK;
