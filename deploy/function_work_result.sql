-- Deploy animus:function_work_result to pg
-- What a submitter asks: what became of my submission? A merged submission has no outcome of its
-- own, so merged_into is followed to the item that carries the work. A chain is possible (the item
-- a submission merged into died, was requeued by requeue_dead and merged into a newer one), so the
-- walk continues, bounded, until an item that is not merged.
BEGIN;

CREATE FUNCTION animus.work_result(work_id uuid)
    RETURNS animus.work_result
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    hops integer := 0;
BEGIN
    SELECT w.id, w.state, w.merged_into, w.outcome_data, w.outcome_error, w.outcome_ms, w.attempts,
           coalesce(w.max_attempts, 5) AS max_attempts, w.cancelled_at IS NOT NULL AS cancelled, w.resolved_at
    INTO item FROM animus.work_items w WHERE w.id = work_result.work_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown work item %', coalesce(work_result.work_id::text, 'NULL')
            USING ERRCODE = 'AN003', HINT = 'Pass the id (work_id) returned by submit_work.';
    END IF;
    WHILE item.state = 'merged' AND hops < 100 LOOP
        hops := hops + 1;
        SELECT w.id, w.state, w.merged_into, w.outcome_data, w.outcome_error, w.outcome_ms, w.attempts,
               coalesce(w.max_attempts, 5) AS max_attempts, w.cancelled_at IS NOT NULL AS cancelled, w.resolved_at
        INTO item FROM animus.work_items w WHERE w.id = item.merged_into;
        IF NOT FOUND THEN
            -- merged_into has no foreign key; purge deletes terminal items. Report what is known.
            RETURN ROW(work_result.work_id, NULL, 'merged', NULL, 'the item this submission was merged into is gone (purged)',
                       NULL, NULL, NULL, false, NULL)::animus.work_result;
        END IF;
    END LOOP;
    RETURN ROW(work_result.work_id, item.id, item.state, item.outcome_data, item.outcome_error, item.outcome_ms,
               item.attempts, item.max_attempts, item.cancelled, item.resolved_at)::animus.work_result;
END
$$;

COMMENT ON FUNCTION animus.work_result(uuid) IS
    'The outcome of a submission, following merged_into to the item that absorbed it: resolved_id is that item, '
    'state one of queued, running (not settled yet), completed (outcome_data), dead (outcome_error; cancelled says '
    'whether cancel_work ended it). Settling an item sends NOTIFY animus_settled with its id, so a waiter need '
    'not poll. Errors: AN003 unknown work item.';
REVOKE EXECUTE ON FUNCTION animus.work_result(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.work_result(uuid) TO animus_app, animus_ops;

COMMIT;
