-- Deploy animus:role_settings_idle_timeout to pg
-- lock_timeout bounds how long a call waits for a lock, not how long a session holds one. An
-- agent that opens a transaction, submits a keyed item or reads one, and then sits idle would
-- hold the key and the item until it disconnects; after 15 s idle inside a transaction the
-- server ends its session (25P03) and the locks go with it. The queue functions never need an
-- open transaction between calls: the worker commits each read and each settle.
BEGIN;

DO $$
BEGIN
    EXECUTE format('ALTER ROLE animus_app IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '15s');
END
$$;

COMMIT;
