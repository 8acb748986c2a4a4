-- Verify animus:table_queues on pg
BEGIN;

SELECT queue_name, created_at FROM animus.queues WHERE false;

ROLLBACK;
