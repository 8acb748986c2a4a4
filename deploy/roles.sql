-- Deploy animus:roles to pg
-- Roles are cluster-wide: another database on the same cluster may have created them already.
BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'animus_app') THEN
        CREATE ROLE animus_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'animus_ops') THEN
        CREATE ROLE animus_ops NOLOGIN;
    END IF;
END
$$;

COMMENT ON ROLE animus_app IS 'animus agents: EXECUTE on the API functions, no direct table access.';
COMMENT ON ROLE animus_ops IS 'animus operators: read the views and call the operator functions; cannot submit work.';

GRANT USAGE ON SCHEMA animus TO animus_app, animus_ops;

COMMIT;
