-- Verify animus:extension_pg_partman on pg
BEGIN;

-- Where the server has pg_partman, the database has it.
DO $$
BEGIN
    ASSERT NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_partman')
        OR EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_partman'),
        'pg_partman is installed on the server but not created in this database';
END
$$;

ROLLBACK;
