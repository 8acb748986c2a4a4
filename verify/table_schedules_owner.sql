-- Verify animus:table_schedules_owner on pg
BEGIN;

SELECT owner FROM animus.schedules WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_attribute
WHERE attrelid = 'animus.schedules'::regclass AND attname = 'owner' AND attnotnull;

ROLLBACK;
