-- Deploy animus:table_queues_retry_policy to pg
-- The retry policy of fail_work without an explicit delay: attempt n waits about
-- base * 2^(n-1) seconds (with jitter), at most cap. Base 0 (the default, and what queues made
-- before this change get) retries at once, as v0.1.0 did.
BEGIN;

ALTER TABLE animus.queues
    ADD COLUMN retry_base_seconds integer NOT NULL DEFAULT 0
        CONSTRAINT queues_retry_base_range CHECK (retry_base_seconds BETWEEN 0 AND 86400),
    ADD COLUMN retry_cap_seconds integer NOT NULL DEFAULT 3600
        CONSTRAINT queues_retry_cap_range CHECK (retry_cap_seconds BETWEEN 0 AND 604800);

COMMENT ON COLUMN animus.queues.retry_base_seconds IS
    'Backoff base of fail_work without a delay: attempt n waits base * 2^(n-1) s, half of it jittered; 0 retries at once.';
COMMENT ON COLUMN animus.queues.retry_cap_seconds IS 'The longest backoff delay, in seconds.';

COMMIT;
