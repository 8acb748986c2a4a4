-- Revert animus:roles from pg
-- Drop a role only when no other database of the cluster still depends on it.
BEGIN;

REVOKE USAGE ON SCHEMA animus FROM animus_app, animus_ops;

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['animus_app', 'animus_ops'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name);
        IF EXISTS (
            SELECT FROM pg_catalog.pg_shdepend d
            JOIN pg_catalog.pg_roles r ON r.oid = d.refobjid
            WHERE r.rolname = role_name
              AND d.dbid <> (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
        ) OR EXISTS (
            -- members of the role (login roles granted animus_app) keep it alive
            SELECT FROM pg_catalog.pg_auth_members m
            JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
            WHERE r.rolname = role_name
        ) THEN
            RAISE NOTICE 'keeping role %: still used elsewhere in the cluster', role_name;
        ELSE
            EXECUTE format('DROP ROLE %I', role_name);
        END IF;
    END LOOP;
END
$$;

COMMIT;
