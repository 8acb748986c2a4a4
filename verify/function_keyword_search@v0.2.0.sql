-- Verify animus:function_keyword_search on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.keyword_search(text, integer, jsonb, text)');
SELECT 1/has_function_privilege('animus_app', 'animus.keyword_search(text, integer, jsonb, text)', 'EXECUTE')::int;

ROLLBACK;
