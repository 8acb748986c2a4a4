-- Verify animus:schema on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_namespace WHERE nspname = 'animus';

ROLLBACK;
