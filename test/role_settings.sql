-- pgTAP: the role_settings change (session defaults of animus_app in this database).
BEGIN;
SELECT plan(4);

CREATE TEMP TABLE app_setting AS
SELECT split_part(c, '=', 1) AS name, split_part(c, '=', 2) AS value
FROM pg_db_role_setting s
JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) AS c
WHERE d.datname = current_database() AND s.setrole = 'animus_app'::regrole;

SELECT is((SELECT value FROM app_setting WHERE name = 'statement_timeout'), '30s',
    'animus_app sessions in this database default to statement_timeout 30s');
SELECT is((SELECT value FROM app_setting WHERE name = 'lock_timeout'), '5s',
    'animus_app sessions in this database default to lock_timeout 5s');
SELECT is((SELECT count(*)::int FROM app_setting WHERE name <> 'idle_in_transaction_session_timeout'), 2,
    'and nothing else is set for animus_app (role_settings_idle_timeout adds its own)');
SELECT is((SELECT count(*)::int FROM pg_db_role_setting s WHERE s.setrole = 'animus_app'::regrole AND s.setdatabase = 0), 0,
    'nothing is set for animus_app cluster-wide: other databases keep their own defaults');

SELECT * FROM finish();
ROLLBACK;
