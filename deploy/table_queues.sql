-- Deploy animus:table_queues to pg
BEGIN;

CREATE TABLE animus.queues (
    queue_name text PRIMARY KEY
        CONSTRAINT queues_queue_name_valid CHECK (queue_name ~ '^[a-z_][a-z0-9_]*$' AND length(queue_name) <= 47),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE animus.queues IS
    'Queues created with animus.create_queue: one pgmq queue each. Looked up by primary key to '
    'tell an unknown queue (AN002) from a known one.';

GRANT SELECT ON animus.queues TO animus_ops;

COMMIT;
