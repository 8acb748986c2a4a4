-- Deploy animus:function__is_active to pg
-- The one place that says which states hold a dedup key. It spells the predicate of the UNIQUE
-- index work_items_active_dedup_key exactly (test/function__is_active.sql compares them): a
-- plain immutable SQL function is inlined by the planner, so a query or an ON CONFLICT clause
-- that calls it still matches that partial index. Inlining needs SECURITY INVOKER; it reads
-- nothing.
BEGIN;

CREATE FUNCTION animus._is_active(state text)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT state NOT IN ('completed', 'dead', 'merged') $$;

COMMENT ON FUNCTION animus._is_active(text) IS
    'Private. Whether a work item in this state is active (queued or running) and so holds its dedup key.';
REVOKE EXECUTE ON FUNCTION animus._is_active(text) FROM PUBLIC;

COMMIT;
