-- Verify animus:trigger_work_items_settled on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'animus.work_items'::regclass AND tgname = 'work_items_settled' AND NOT tgisinternal;

ROLLBACK;
