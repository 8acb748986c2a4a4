-- Verify animus:function_forget_document on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.forget_document(text, text)') AND prosecdef;

ROLLBACK;
