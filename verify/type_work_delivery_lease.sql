-- Verify animus:type_work_delivery_lease on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.typrelid = a.attrelid
WHERE t.oid = 'animus.work_delivery'::regtype AND a.attname = 'lease' AND NOT a.attisdropped;

ROLLBACK;
