-- Verify animus:function_store_document on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.store_document(text, text, jsonb, text, jsonb, text)');
SELECT 1/has_function_privilege('animus_app', 'animus.store_document(text, text, jsonb, text, jsonb, text)', 'EXECUTE')::int;

ROLLBACK;
