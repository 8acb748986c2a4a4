-- Upgrade check (schedules, issue 25): a schedule stored before schedules had owners
-- (test/upgrade/seed.sql writes one at @v0.2.0 and @v0.3.0; at @v0.1.0 there were none) belongs
-- to the schema owner, the role its pg_cron job runs as; the schema owner may still change it,
-- another operator may not, and its job's command still submits its work.
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*)::int FROM animus.schedules WHERE owner IS NULL), 0, 'every schedule has an owner');
SELECT is((SELECT owner FROM animus.schedules WHERE name = 'upg_nightly'),
          CASE WHEN EXISTS (SELECT FROM animus.schedules WHERE name = 'upg_nightly')
               THEN (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'animus') END,
          'a schedule from before owners belongs to the schema owner');
SELECT throws_ok($$SELECT animus.pause_schedule('upg_nightly')$$,
                 CASE WHEN EXISTS (SELECT FROM animus.schedules WHERE name = 'upg_nightly') THEN 'AN017' ELSE 'AN019' END,
                 NULL, 'the schema owner passes the owner check (then: no pg_cron here)');
CREATE ROLE upg_sched_other NOLOGIN IN ROLE animus_ops;
SET LOCAL ROLE upg_sched_other;
SELECT throws_ok($$SELECT animus.unschedule_work('upg_nightly')$$,
                 CASE WHEN EXISTS (SELECT FROM animus.schedules WHERE name = 'upg_nightly') THEN 'AN050' ELSE 'AN019' END,
                 NULL, 'another operator may not remove it');
RESET ROLE;
CREATE TEMP TABLE upg_sched_run AS SELECT * FROM animus._run_schedule('upg_nightly');
SELECT is((SELECT count(*)::int FROM upg_sched_run r
           JOIN animus.work_items w ON w.id = r.work_id AND w.source = 'schedule:upg_nightly'),
          CASE WHEN EXISTS (SELECT FROM animus.schedules WHERE name = 'upg_nightly') THEN 1 ELSE 0 END,
          'its job''s command submits its work');

SELECT * FROM finish();
ROLLBACK;
