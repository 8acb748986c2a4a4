-- Verify animus:table_queues_retry_policy on pg
BEGIN;

SELECT retry_base_seconds, retry_cap_seconds FROM animus.queues WHERE false;

ROLLBACK;
