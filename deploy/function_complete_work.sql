-- Deploy animus:function_complete_work to pg
-- Lock order (docs/queue.md, "Concurrency"): the message first, then the item. The item is
-- looked up without a lock to find its message; deleting the message into the archive locks it
-- and checks the lease in one statement; then the item is updated, and if it is no longer the
-- running item of that message the error undoes the archive. A completed item carries no
-- outcome_error: the errors of earlier attempts stay in animus.work_attempts. The archive goes through
-- animus._archive_message, a static statement per queue whose plan each session keeps.
BEGIN;

CREATE OR REPLACE FUNCTION animus.complete_work(work_id uuid, outcome_data jsonb DEFAULT NULL, outcome_ms bigint DEFAULT NULL,
                                     lease integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    locked bigint;
BEGIN
    IF complete_work.outcome_ms < 0 THEN
        RAISE EXCEPTION 'outcome_ms must not be negative, got %', complete_work.outcome_ms
            USING ERRCODE = 'AN008', HINT = 'Pass the duration of the work in milliseconds, or NULL.';
    END IF;
    IF octet_length(complete_work.outcome_data::text) > 1048576 THEN
        RAISE EXCEPTION 'outcome_data is over the 1 MiB limit'
            USING ERRCODE = 'AN006', HINT = 'Store large outputs elsewhere and pass a reference.';
    END IF;
    SELECT w.queue_name, w.pgmq_msg_id INTO item
    FROM animus.work_items w WHERE w.id = complete_work.work_id AND w.state = 'running';
    IF FOUND THEN
        -- pgmq.archive's own statement, plus the lease check: a static statement per queue
        -- (animus._archive_message), planned once per session. 1 if the message was there.
        locked := animus._archive_message(item.queue_name, item.pgmq_msg_id, complete_work.lease);
        IF locked > 0 THEN
            UPDATE animus.work_items w
            SET state = 'completed', outcome_data = complete_work.outcome_data,
                outcome_ms = complete_work.outcome_ms, outcome_error = NULL, resolved_at = now(), updated_at = now()
            WHERE w.id = complete_work.work_id AND w.state = 'running' AND w.pgmq_msg_id = item.pgmq_msg_id;
            IF FOUND THEN
                RETURN;
            END IF;
        END IF;
    END IF;
    PERFORM animus._refuse_settle(complete_work.work_id, complete_work.lease, 'completed');
END
$$;

COMMENT ON FUNCTION animus.complete_work(uuid, jsonb, bigint, integer) IS
    'Finish a running item: archive its message; state completed, outcome_data, outcome_ms, resolved_at; '
    'outcome_error cleared (earlier attempts stay in animus.work_attempts). '
    'Its dedup key is free again. Pass the lease read_work returned: without one the call overrides whoever '
    'holds the item (an operator''s fix). Errors: AN003 unknown work item, AN004 not running, '
    'AN006 outcome_data over 1 MiB, AN008 negative outcome_ms, AN015 lease lost (delivered again since), '
    'AN016 the item was cancelled.';
REVOKE EXECUTE ON FUNCTION animus.complete_work(uuid, jsonb, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.complete_work(uuid, jsonb, bigint, integer) TO animus_app;

COMMIT;
