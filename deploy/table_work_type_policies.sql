-- Deploy animus:table_work_type_policies to pg
-- A work type's retry policy, beside the queue's (animus.queues.retry_base_seconds and
-- retry_cap_seconds): a type may fail for reasons of its own (an API with rate limits, a flaky
-- crawl), whichever queue carries it. fail_work reads it by primary key on the failure path
-- only; a NULL column falls back to the item's max_attempts, the queue's backoff, and 5.
BEGIN;

CREATE TABLE animus.work_type_policies (
    work_type          text PRIMARY KEY
        CONSTRAINT work_type_policies_work_type_length CHECK (octet_length(work_type) BETWEEN 1 AND 4096),
    max_attempts       integer CONSTRAINT work_type_policies_max_attempts_positive CHECK (max_attempts >= 1),
    retry_base_seconds integer CONSTRAINT work_type_policies_retry_base_range CHECK (retry_base_seconds BETWEEN 0 AND 86400),
    retry_cap_seconds  integer NOT NULL DEFAULT 3600
        CONSTRAINT work_type_policies_retry_cap_range CHECK (retry_cap_seconds BETWEEN 0 AND 604800),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE animus.work_type_policies IS
    'Retry policy per work type, set with animus.set_work_type_policy. fail_work applies it before the queue''s: '
    'max_attempts when the item was submitted without one, and the backoff min(cap, base * 2^(attempts-1)) s, '
    'half of it random, when fail_work is given no delay. NULL columns fall back to the queue policy and 5 attempts.';
COMMENT ON COLUMN animus.work_type_policies.max_attempts IS
    'Deliveries allowed for items of this type submitted without max_attempts; NULL: 5.';
COMMENT ON COLUMN animus.work_type_policies.retry_base_seconds IS
    'Backoff base; NULL: the queue''s backoff applies. 0 retries at once.';

GRANT SELECT ON animus.work_type_policies TO animus_ops;

COMMIT;
