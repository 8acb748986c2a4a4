-- Deploy animus:type_submit_result to pg
BEGIN;

CREATE TYPE animus.submit_result AS (
    work_id uuid, status text, merged_into uuid, msg_id bigint);

COMMENT ON TYPE animus.submit_result IS
    'Result of submit_work / submit_work_batch / requeue_dead: status queued (msg_id set) or merged (merged_into set).';

COMMIT;
