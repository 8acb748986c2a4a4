-- Revert animus:view_queue_overview from pg
BEGIN;

DROP VIEW animus.queue_overview;

COMMIT;
