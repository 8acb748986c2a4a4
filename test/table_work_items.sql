-- pgTAP: animus.work_items and its UNIQUE active-dedup index.
BEGIN;
SELECT plan(17);

SELECT has_table('animus', 'work_items', 'animus.work_items exists');
SELECT columns_are('animus', 'work_items', ARRAY[
    'id', 'pgmq_msg_id', 'queue_name', 'work_type', 'dedup_key', 'source', 'trigger_info', 'params',
    'priority', 'state', 'merged_into', 'parent_id', 'attempts', 'max_attempts', 'outcome_data',
    'outcome_error', 'outcome_ms', 'traceparent', 'tracestate', 'created_at', 'updated_at', 'resolved_at',
    'cancelled_at'],
    'work_items has the seed columns plus the trace context and cancelled_at');
SELECT col_is_pk('animus', 'work_items', 'id', 'id is the primary key');
SELECT col_has_default('animus', 'work_items', 'params', 'params has a default ({})');
SELECT col_not_null('animus', 'work_items', 'params', 'params is NOT NULL');
SELECT col_isnt_fk('animus', 'work_items', 'merged_into', 'merged_into has no foreign key (the functions set it; no per-row trigger)');
SELECT col_isnt_fk('animus', 'work_items', 'parent_id', 'parent_id has no foreign key (submit_work checks it: AN003)');
SELECT index_is_unique('animus', 'work_items', 'work_items_active_dedup_key', 'the dedup index is UNIQUE');
SELECT is(
    (SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'animus.work_items_active_dedup_key'::regclass),
    '((dedup_key IS NOT NULL) AND (state <> ALL (ARRAY[''completed''::text, ''dead''::text, ''merged''::text])))',
    'the dedup index covers only active items with a key');
SELECT has_index('animus', 'work_items', 'work_items_queue_msg', 'an index finds an item by its message');
SELECT has_index('animus', 'work_items', 'work_items_queue_state', 'an index finds dead and merged items per queue');
SELECT has_index('animus', 'work_items', 'work_items_parent', 'an index finds children');
SELECT has_index('animus', 'work_items', 'work_items_merged_into', 'an index finds merged submissions');

INSERT INTO animus.work_items (id, queue_name, work_type, dedup_key, source)
VALUES ('00000000-0000-4000-8000-000000000001', 'q', 't', 'k', 's');
SELECT throws_ok($$INSERT INTO animus.work_items (queue_name, work_type, dedup_key, source) VALUES ('q', 't', 'k', 's2')$$,
    '23505', NULL, 'a second active item with the same (work_type, dedup_key) is refused');
UPDATE animus.work_items SET state = 'completed' WHERE id = '00000000-0000-4000-8000-000000000001';
SELECT lives_ok($$INSERT INTO animus.work_items (queue_name, work_type, dedup_key, source) VALUES ('q', 't', 'k', 's3')$$,
    'once the item completed, its key is free again');
SELECT throws_ok($$INSERT INTO animus.work_items (queue_name, work_type, source, state) VALUES ('q', 't', 's', 'lost')$$,
    '23514', NULL, 'the CHECK refuses an unknown state');
SELECT ok(NOT has_table_privilege('animus_app', 'animus.work_items', 'SELECT'), 'animus_app has no direct table access');

SELECT * FROM finish();
ROLLBACK;
