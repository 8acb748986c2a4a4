-- Verify animus:type_hybrid_match on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_type WHERE oid = to_regtype('animus.hybrid_match');

ROLLBACK;
