-- pgTAP: animus.schedules.owner (table_schedules_owner). The owner checks themselves are in
-- test/function_schedule_work.sql; old rows are checked by test/upgrade/check_schedules.sql.
BEGIN;
SELECT plan(4);

SELECT has_column('animus', 'schedules', 'owner', 'schedules have an owner');
SELECT col_type_is('animus', 'schedules', 'owner', 'name', 'the owner is a role name');
SELECT col_not_null('animus', 'schedules', 'owner', 'every schedule has one');
-- A writer that names no owner (the released schedule_work, after reverting the function alone)
-- records the login role.
INSERT INTO animus.schedules (name, cron, queue_name, work_type, jobid)
VALUES ('pgtap_owner_default', '@daily', 'pgtap_owner_q', 'w', 0);
SELECT is((SELECT owner FROM animus.schedules WHERE name = 'pgtap_owner_default'), session_user,
    'without an owner named, the login role owns it');

SELECT * FROM finish();
ROLLBACK;
