-- Revert animus:function_schedule_work from pg
BEGIN;

DROP FUNCTION animus.unschedule_work(text);
DROP FUNCTION animus.pause_schedule(text, boolean);
DROP FUNCTION animus._schedule_job(text);
DROP FUNCTION animus.list_schedules();
DROP FUNCTION animus.schedule_work(text, text, text, text, jsonb, text, integer, integer);
DROP FUNCTION animus._run_schedule(text);
DROP FUNCTION animus._require_pg_cron();

COMMIT;
