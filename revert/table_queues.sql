-- Revert animus:table_queues from pg
BEGIN;

DROP TABLE animus.queues;

COMMIT;
