-- pgTAP: animus.work_delivery.
BEGIN;
SELECT plan(2);

SELECT has_type('animus', 'work_delivery', 'animus.work_delivery exists');
SELECT is(
    (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
     FROM pg_attribute WHERE attrelid = 'animus.work_delivery'::regclass AND attnum > 0 AND NOT attisdropped),
    'msg_id bigint, read_ct integer, enqueued_at timestamp with time zone, vt timestamp with time zone, '
    'id uuid, queue_name text, work_type text, dedup_key text, source text, trigger_info text, '
    'params jsonb, priority integer, state text, parent_id uuid, attempts integer, max_attempts integer, '
    'created_at timestamp with time zone, updated_at timestamp with time zone, traceparent text, tracestate text, lease integer',
    'its columns are those of docs/sql-contract.md');

SELECT * FROM finish();
ROLLBACK;
