-- Revert animus:role_settings from pg
BEGIN;

DO $$
BEGIN
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I RESET statement_timeout', current_database());
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I RESET lock_timeout', current_database());
END
$$;

COMMIT;
