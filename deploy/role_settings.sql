-- Deploy animus:role_settings to pg
-- Defaults for sessions of animus_app in this database: a runaway statement is cancelled
-- (57014) and a call never queues behind a lock for long (55P03). ALTER ROLE ... IN DATABASE
-- needs the database's name, which only current_database() knows, hence the dynamic SQL.
BEGIN;

DO $$
BEGIN
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '30s');
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '5s');
END
$$;

COMMIT;
