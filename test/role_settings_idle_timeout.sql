-- pgTAP: role_settings_idle_timeout.
BEGIN;
SELECT plan(1);

SELECT is((SELECT split_part(c, '=', 2)
           FROM pg_db_role_setting s
           JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) AS c
           WHERE d.datname = current_database() AND s.setrole = 'animus_app'::regrole
             AND c LIKE 'idle_in_transaction_session_timeout=%'),
    '15s', 'an animus_app session idle in a transaction for 15 s is ended, with its locks');

SELECT * FROM finish();
ROLLBACK;
