-- Verify animus:role_settings on pg
BEGIN;

SELECT 1/COUNT(*)
FROM pg_catalog.pg_db_role_setting s
JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
WHERE d.datname = current_database()
  AND s.setrole = 'animus_app'::regrole
  AND s.setconfig @> ARRAY['statement_timeout=30s', 'lock_timeout=5s'];

ROLLBACK;
