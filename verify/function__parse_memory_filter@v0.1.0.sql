-- Verify animus:function__parse_memory_filter on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus._parse_memory_filter(jsonb)');

ROLLBACK;
