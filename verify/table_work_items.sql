-- Verify animus:table_work_items on pg
BEGIN;

SELECT id, pgmq_msg_id, queue_name, work_type, dedup_key, source, trigger_info, params, priority,
       state, merged_into, parent_id, attempts, max_attempts, outcome_data, outcome_error,
       outcome_ms, traceparent, tracestate, created_at, updated_at, resolved_at
FROM animus.work_items WHERE false;
SELECT 1/COUNT(*) FROM pg_catalog.pg_index
WHERE indexrelid = to_regclass('animus.work_items_active_dedup_key') AND indisunique;

ROLLBACK;
