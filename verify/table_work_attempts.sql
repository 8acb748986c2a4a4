-- Verify animus:table_work_attempts on pg
BEGIN;

SELECT id, work_id, attempt, kind, error, at FROM animus.work_attempts WHERE false;
SELECT 1/has_table_privilege('animus_ops', 'animus.work_attempts', 'SELECT')::int;

ROLLBACK;
