-- Revert animus:table_queues_retry_policy from pg
BEGIN;

ALTER TABLE animus.queues DROP COLUMN retry_base_seconds, DROP COLUMN retry_cap_seconds;

COMMIT;
