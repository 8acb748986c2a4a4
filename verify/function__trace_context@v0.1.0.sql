-- Verify animus:function__trace_context on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = to_regprocedure('animus._trace_context(text)') AND prosecdef;

ROLLBACK;
