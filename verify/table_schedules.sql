-- Verify animus:table_schedules on pg
BEGIN;

SELECT name, cron, queue_name, work_type, params, dedup_key, priority, max_attempts, jobid, created_at, updated_at
FROM animus.schedules WHERE false;

ROLLBACK;
