-- Verify animus:function_store_document on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.store_document(text, text, jsonb, text, jsonb, text, text)') AND prosecdef;

ROLLBACK;
