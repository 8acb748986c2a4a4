-- Deploy animus:extension_pg_partman to pg
-- pg_partman is optional: a partitioned queue (animus.create_queue(..., partitioned => true))
-- needs it, everything else works without it, so the deploy creates it only where the server
-- has it installed (script/setup installs postgresql-NN-partman when the distribution has it).
-- It needs no preload to be created; its background worker (pg_partman_bgw, preloaded by
-- script/db and compose.yaml) is what runs the maintenance. An existing pg_partman, in any
-- schema, is used as it is: pgmq looks its schema up.
BEGIN;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_partman')
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_partman') THEN
        CREATE SCHEMA IF NOT EXISTS partman;
        CREATE EXTENSION pg_partman SCHEMA partman;
        -- Marks the extension as animus's, so that the revert drops only what the deploy made.
        COMMENT ON SCHEMA partman IS 'pg_partman, created by animus (extension_pg_partman)';
    END IF;
END
$$;

COMMIT;
