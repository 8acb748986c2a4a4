-- Verify animus:function_schedule_work on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.schedule_work(text, text, text, text, jsonb, text, integer, integer)', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.list_schedules()', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.pause_schedule(text, boolean)', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.unschedule_work(text)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.schedule_work(text, text, text, text, jsonb, text, integer, integer)', 'EXECUTE'))::int;
SELECT 1 / (NOT has_function_privilege('animus_ops', 'animus._check_schedule_owner(text, name)', 'EXECUTE'))::int;
-- list_schedules reports the owner and the last failure.
SELECT 1 / COUNT(*) FROM pg_catalog.pg_proc
WHERE oid = 'animus.list_schedules()'::regprocedure AND 'last_failure' = ANY (proargnames) AND 'owner' = ANY (proargnames);

ROLLBACK;
