-- Verify animus:table_work_items_lease on pg
BEGIN;

SELECT cancelled_at FROM animus.work_items WHERE false;

ROLLBACK;
