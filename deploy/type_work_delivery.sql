-- Deploy animus:type_work_delivery to pg
BEGIN;

CREATE TYPE animus.work_delivery AS (
    msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz,
    id uuid, queue_name text, work_type text, dedup_key text, source text, trigger_info text,
    params jsonb, priority integer, state text, parent_id uuid,
    attempts integer, max_attempts integer, created_at timestamptz, updated_at timestamptz,
    traceparent text, tracestate text);

COMMENT ON TYPE animus.work_delivery IS
    'One delivered message of read_work joined with its work item and the submitter''s trace context.';

COMMIT;
