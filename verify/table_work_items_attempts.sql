-- Verify animus:table_work_items_attempts on pg
BEGIN;

SELECT attempt_errors FROM animus.work_items WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_attribute
WHERE attrelid = 'animus.work_items'::regclass AND attname = 'attempt_errors'
  AND atttypid = 'jsonb'::regtype AND NOT attisdropped;

ROLLBACK;
