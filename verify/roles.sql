-- Verify animus:roles on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_roles WHERE rolname = 'animus_app';
SELECT 1/COUNT(*) FROM pg_catalog.pg_roles WHERE rolname = 'animus_ops';
DO $$ BEGIN
    ASSERT has_schema_privilege('animus_app', 'animus', 'USAGE'), 'animus_app lacks USAGE on animus';
    ASSERT has_schema_privilege('animus_ops', 'animus', 'USAGE'), 'animus_ops lacks USAGE on animus';
END $$;

ROLLBACK;
