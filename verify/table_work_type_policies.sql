-- Verify animus:table_work_type_policies on pg
BEGIN;

SELECT work_type, max_attempts, retry_base_seconds, retry_cap_seconds, updated_at
FROM animus.work_type_policies WHERE false;
SELECT 1/has_table_privilege('animus_ops', 'animus.work_type_policies', 'SELECT')::int;

ROLLBACK;
