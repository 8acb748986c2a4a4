-- pgTAP: schedules. The pgTAP database is not cron.database_name, so pg_cron cannot exist here:
-- this is the "without pg_cron" path (client/tests/test_schedules.py covers the pg_cron one,
-- with a real tick). What needs no pg_cron is tested here: the job's command,
-- animus._run_schedule, on rows written by hand; schedule_work's checks of the work each run
-- will submit, which come before the pg_cron check; and the owner checks.
BEGIN;
SELECT plan(27);

SELECT has_function('animus', 'schedule_work', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'text', 'integer', 'integer']);
SELECT is_definer('animus', 'schedule_work', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'text', 'integer', 'integer']);
SELECT has_column('animus', 'schedules', 'owner', 'schedules have an owner');
SELECT col_not_null('animus', 'schedules', 'owner', 'every schedule has one');
SELECT ok(NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron'), 'no pg_cron in this database');
SELECT animus.create_queue('pgtap_sched');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '* * * * *', 'pgtap_sched', 'y')$$, 'AN017', NULL, 'schedule_work without pg_cron is AN017');
SELECT throws_ok($$SELECT * FROM animus.list_schedules()$$, 'AN017', NULL, 'list_schedules too');

-- What submit_work refuses, schedule_work refuses, with the same SQLSTATE (before pg_cron).
SELECT throws_ok(format($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', 'y', %L)$$,
                        jsonb_build_object('blob', repeat('x', 2 * 1024 * 1024))), 'AN006', NULL, '2 MiB of params: AN006');
SELECT throws_ok(format($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', %L)$$, repeat('w', 5000)),
                 'AN006', NULL, 'a 5,000-character work type: AN006');
SELECT throws_ok(format($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', 'y', dedup_key => %L)$$, repeat('k', 5000)),
                 'AN006', NULL, 'a 5,000-character dedup key: AN006');
SELECT throws_ok(format($$SELECT animus.schedule_work('s1', %L, 'pgtap_sched', 'y')$$, repeat('* ', 2500)),
                 'AN006', NULL, 'a cron text too long for the trigger_info it becomes: AN006');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', 'y', '[1]')$$, 'AN005', NULL, 'params not an object: AN005');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', '')$$, 'AN008', NULL, 'an empty work type: AN008');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_sched', 'y', max_attempts => 0)$$, 'AN008', NULL, 'max_attempts 0: AN008');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '@hourly', 'no such queue', 'y')$$, 'AN001', NULL, 'a bad queue name: AN001');
SELECT throws_ok($$SELECT animus.schedule_work('s1', '@hourly', 'pgtap_nope', 'y')$$, 'AN002', NULL, 'an unknown queue: AN002');
SELECT throws_ok($$SELECT animus.schedule_work('Bad Name', '@hourly', 'pgtap_sched', 'y')$$, 'AN008', NULL, 'a bad schedule name: AN008');

-- Owners: rows written by hand (no pg_cron here), one owned by each of two operators.
CREATE ROLE pgtap_sched_alice NOLOGIN IN ROLE animus_ops;
CREATE ROLE pgtap_sched_bob NOLOGIN IN ROLE animus_ops;
INSERT INTO animus.schedules (name, cron, queue_name, work_type, params, dedup_key, jobid, owner)
VALUES ('pgtap_keyed', '@hourly', 'pgtap_sched', 'sched_job', '{"inbox": 1}', 'inbox-summary', 0, 'pgtap_sched_alice'),
       ('pgtap_free', '@hourly', 'pgtap_sched', 'sched_job2', '{}', NULL, 0, 'pgtap_sched_alice');
SET LOCAL ROLE pgtap_sched_bob;
SELECT throws_ok($$SELECT animus.pause_schedule('pgtap_keyed')$$, 'AN050', NULL, 'another operator cannot pause it');
SELECT throws_ok($$SELECT animus.unschedule_work('pgtap_keyed')$$, 'AN050', NULL, 'nor remove it');
SELECT throws_ok($$SELECT animus.schedule_work('pgtap_keyed', '@daily', 'pgtap_sched', 'other')$$, 'AN050', NULL, 'nor replace it');
SELECT throws_ok($$SELECT animus.pause_schedule('pgtap_nope')$$, 'AN019', NULL, 'an unknown schedule is AN019');
RESET ROLE;
SET LOCAL ROLE pgtap_sched_alice;
SELECT throws_ok($$SELECT animus.pause_schedule('pgtap_keyed')$$, 'AN017', NULL, 'its owner passes the owner check (then: no pg_cron)');
RESET ROLE;
SELECT throws_ok($$SELECT animus.unschedule_work('pgtap_keyed')$$, 'AN017', NULL, 'so does the schema owner');

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
