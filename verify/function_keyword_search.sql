-- Verify animus:function_keyword_search on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus.keyword_search(text, integer, jsonb, text, text)') AND prosecdef;

ROLLBACK;
