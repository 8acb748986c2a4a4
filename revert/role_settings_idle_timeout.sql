-- Revert animus:role_settings_idle_timeout from pg
BEGIN;

DO $$
BEGIN
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I RESET idle_in_transaction_session_timeout', current_database());
END
$$;

COMMIT;
