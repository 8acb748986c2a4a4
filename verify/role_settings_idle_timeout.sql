-- Verify animus:role_settings_idle_timeout on pg
BEGIN;

SELECT 1/COUNT(*)
FROM pg_catalog.pg_db_role_setting s
JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
WHERE d.datname = current_database()
  AND s.setrole = 'animus_app'::regrole
  AND s.setconfig @> ARRAY['idle_in_transaction_session_timeout=15s'];

ROLLBACK;
