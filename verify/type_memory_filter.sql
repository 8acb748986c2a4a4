-- Verify animus:type_memory_filter on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_type WHERE oid = to_regtype('animus.memory_filter');

ROLLBACK;
