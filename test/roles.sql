-- pgTAP: the roles change.
BEGIN;
SELECT plan(6);

SELECT has_role('animus_app', 'role animus_app exists');
SELECT has_role('animus_ops', 'role animus_ops exists');
SELECT ok(NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'animus_app'), 'animus_app cannot log in by itself');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'animus_app'), 'animus_app is not a superuser');
SELECT ok(has_schema_privilege('animus_app', 'animus', 'USAGE'), 'animus_app may use schema animus');
SELECT ok(NOT has_schema_privilege('animus_app', 'animus', 'CREATE'), 'animus_app may not create objects in animus');

SELECT * FROM finish();
ROLLBACK;
