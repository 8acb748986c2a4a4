-- pgTAP: schedules. The pgTAP database is not cron.database_name, so pg_cron cannot exist here:
-- this is the "without pg_cron" path (client/tests/test_schedules.py covers the pg_cron one).
-- The job's command, animus._run_schedule, is tested here on a row written by hand.
BEGIN;
SELECT plan(9);

SELECT ok(NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron'), 'no pg_cron in this database');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '* * * * *', 'x', 'y')$$, 'AN017', NULL, 'schedule_work without pg_cron is AN017');
SELECT throws_ok($$SELECT * FROM animus.list_schedules()$$, 'AN017', NULL, 'list_schedules too');
SELECT throws_ok($$SELECT animus.pause_schedule('s1')$$, 'AN017', NULL, 'pause_schedule too');
SELECT throws_ok($$SELECT animus.unschedule_work('s1')$$, 'AN017', NULL, 'unschedule_work too');

SELECT animus.create_queue('pgtap_sched');
INSERT INTO animus.schedules (name, cron, queue_name, work_type, params, dedup_key, jobid)
VALUES ('pgtap_keyed', '@hourly', 'pgtap_sched', 'sched_job', '{"inbox": 1}', 'inbox-summary', 0),
       ('pgtap_free', '@hourly', 'pgtap_sched', 'sched_job2', '{}', NULL, 0);
CREATE TEMP TABLE run1 AS SELECT * FROM animus._run_schedule('pgtap_keyed');
SELECT results_eq(
    $$SELECT r.status, w.source, w.trigger_info, w.params, w.dedup_key
      FROM run1 r JOIN animus.work_items w ON w.id = r.work_id$$,
    $$VALUES ('queued', 'schedule:pgtap_keyed', 'pg_cron @hourly', '{"inbox": 1}'::jsonb, 'inbox-summary')$$,
    'the job''s command submits the schedule''s work');
SELECT ok((SELECT animus._run_schedule('pgtap_keyed')) IS NULL, 'while that item is active the next run writes nothing');
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE work_type = 'sched_job' AND dedup_key = 'inbox-summary'), 1,
    'no pile-up: one row for the key, not a merged row per run');
SELECT animus._run_schedule('pgtap_free'), animus._run_schedule('pgtap_free');
SELECT is((SELECT count(*)::int FROM animus.work_items WHERE work_type = 'sched_job2' AND source = 'schedule:pgtap_free'), 2,
    'without a key every run submits');

SELECT * FROM finish();
ROLLBACK;
