-- Verify animus:function__index_queue on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._index_queue(text)') AND prosecdef;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._priority_index(text)');

ROLLBACK;
