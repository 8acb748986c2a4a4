-- Deploy animus:table_work_items to pg
BEGIN;

-- queue_name has no foreign key to animus.queues on purpose: every insert would take a KEY SHARE
-- lock on the one queue row, and concurrent submitters would then contend on multixacts. The
-- functions check the queue by primary key instead.
-- merged_into and parent_id have no foreign keys either, for speed: each one queued an
-- after-trigger event per inserted row (a third of the cost of a 100-item batch insert went to
-- them and the other constraints). The functions are the only writers (agents have no table
-- privileges), rows are never deleted, submit_work and submit_work_batch refuse an unknown
-- parent_id (AN003) before writing, and merged_into is only ever set to an active item read
-- FOR SHARE or to the lead of the same batch.
-- ids are time-ordered (UUIDv7 layout, made by the functions), so primary-key inserts append at
-- the right edge of the index instead of touching a random leaf page each.
CREATE TABLE animus.work_items (
    id            uuid PRIMARY KEY
        DEFAULT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                       PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                       FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
    pgmq_msg_id   bigint,
    queue_name    text NOT NULL,
    work_type     text NOT NULL,
    dedup_key     text,
    source        text NOT NULL,
    trigger_info  text,
    params        jsonb NOT NULL DEFAULT '{}',
    priority      integer NOT NULL DEFAULT 0,
    state         text NOT NULL DEFAULT 'queued'
        CONSTRAINT work_items_state_valid
        CHECK (state IN ('queued', 'running', 'completed', 'dead', 'merged')),
    merged_into   uuid,
    parent_id     uuid,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer CONSTRAINT work_items_max_attempts_positive CHECK (max_attempts >= 1),
    outcome_data  jsonb,
    outcome_error text,
    outcome_ms    bigint,
    traceparent   text,
    tracestate    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    CONSTRAINT work_items_merged_points_somewhere CHECK ((state = 'merged') = (merged_into IS NOT NULL))
);

-- Exactly one active item per (work_type, dedup_key): the database enforces dedup, so it holds
-- under any number of concurrent submitters. Completed, dead and merged rows free the key.
CREATE UNIQUE INDEX work_items_active_dedup_key ON animus.work_items (work_type, dedup_key)
    WHERE dedup_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'merged');
-- Every index entry costs the hot paths (submit inserts, read_work and complete_work update
-- the state, never as HOT updates since state is in the dedup index's predicate), so the
-- other indexes are partial and skip the states those paths write most.
-- Active items by message: archive_work / delete_work, and queue_overview's queued and
-- running counts.
CREATE INDEX work_items_queue_msg ON animus.work_items (queue_name, pgmq_msg_id)
    WHERE state IN ('queued', 'running');
-- Dead and merged items per queue: queue_overview and requeue_dead.
CREATE INDEX work_items_queue_state ON animus.work_items (queue_name, state) WHERE state IN ('dead', 'merged');
CREATE INDEX work_items_parent ON animus.work_items (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX work_items_merged_into ON animus.work_items (merged_into) WHERE merged_into IS NOT NULL;

COMMENT ON TABLE animus.work_items IS
    'One row per submission: dedup, provenance and lifecycle of the pgmq messages. States: queued, '
    'running, completed, dead, merged. max_attempts NULL means 5. Write it only through the functions: '
    'merged_into and parent_id have no foreign keys, the functions check them.';
COMMENT ON COLUMN animus.work_items.merged_into IS 'For state merged: the active item this submission was merged into (no foreign key; set by the functions only).';
COMMENT ON COLUMN animus.work_items.parent_id IS 'The work item this one was submitted for; submit_work checks it exists (no foreign key).';
COMMENT ON COLUMN animus.work_items.traceparent IS 'W3C traceparent of the submitting span (argument or sqlcommenter comment).';
COMMENT ON COLUMN animus.work_items.max_attempts IS 'Deliveries allowed before the item is dead-lettered; NULL means 5.';

GRANT SELECT ON animus.work_items TO animus_ops;

COMMIT;
