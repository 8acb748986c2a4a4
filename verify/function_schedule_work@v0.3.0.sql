-- Verify animus:function_schedule_work on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.schedule_work(text, text, text, text, jsonb, text, integer, integer)', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.list_schedules()', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.pause_schedule(text, boolean)', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.unschedule_work(text)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.schedule_work(text, text, text, text, jsonb, text, integer, integer)', 'EXECUTE'))::int;

ROLLBACK;
