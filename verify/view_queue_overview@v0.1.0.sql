-- Verify animus:view_queue_overview on pg
BEGIN;

SELECT queue_name, queued, running, dead, merged, oldest_queued_age, queue_length
FROM animus.queue_overview WHERE false;

ROLLBACK;
