-- Revert animus:function_purge from pg: drop purge(text) and restore @v0.3.0's purge(interval, ...).
-- Retention. pgmq's archive tables and the terminal work items grow without bound otherwise.
-- Bounded: at most max_items archive rows and max_items items per call, so one call is one
-- short transaction; an operator (or a schedule) repeats it until it reports less than that.
-- Provenance: an item goes only when it is purgeable (completed, dead or merged, resolved before
-- the window) and nothing references it any more and everything it references is purgeable too,
-- so items are removed leaves first, a whole provenance tree at a time: a live item (or one still
-- inside the window) keeps its parent, its children and the submissions merged into it, and, by
-- the same rule, their ancestors and descendants.
BEGIN;

DROP FUNCTION animus.purge(text, integer, text);

CREATE OR REPLACE FUNCTION animus.purge(older_than interval DEFAULT '7 days', max_items integer DEFAULT 10000,
                             queue_name text DEFAULT NULL)
    RETURNS TABLE (reconciled bigint, messages_deleted bigint, items_deleted bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    cutoff timestamptz;
    q text;
    atable text;
    n bigint;
    budget bigint;
BEGIN
    IF purge.older_than IS NULL OR purge.older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must be a non-negative interval, got %', coalesce(purge.older_than::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'For example ''7 days'' (the default).';
    END IF;
    IF purge.max_items IS NULL OR purge.max_items NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'max_items must be between 1 and 100000, got %', coalesce(purge.max_items::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Purge in rounds: call again until less than max_items is reported.';
    END IF;
    IF purge.queue_name IS NOT NULL THEN
        PERFORM animus._check_queue(purge.queue_name);
    END IF;
    cutoff := now() - purge.older_than;

    -- First settle items whose message is gone, so that dropping archive rows below cannot turn
    -- an "archived outside animus" item into a "deleted" one.
    SELECT count(*) INTO reconciled FROM animus.reconcile(purge.queue_name, purge.max_items);

    messages_deleted := 0;
    budget := purge.max_items;
    FOR q IN SELECT aq.queue_name FROM animus.queues aq
             WHERE purge.queue_name IS NULL OR aq.queue_name = purge.queue_name
             ORDER BY aq.queue_name LOOP
        EXIT WHEN budget <= 0;
        atable := animus._pgmq_relation(q, 'archive');
        CONTINUE WHEN to_regclass(format('pgmq.%I', atable)) IS NULL;
        EXECUTE format('WITH gone AS (DELETE FROM pgmq.%1$I WHERE msg_id IN '
                       '(SELECT msg_id FROM pgmq.%1$I WHERE archived_at < $1 ORDER BY archived_at LIMIT $2) RETURNING 1) '
                       'SELECT count(*) FROM gone', atable)
            INTO n USING cutoff, budget;
        messages_deleted := messages_deleted + n;
        budget := budget - n;
    END LOOP;

    items_deleted := 0;
    budget := purge.max_items;
    LOOP
        EXIT WHEN budget <= 0;
        WITH gone AS (
            DELETE FROM animus.work_items d
            WHERE d.id IN (
                SELECT c.id FROM animus.work_items c
                WHERE c.state IN ('completed', 'dead', 'merged')
                  AND coalesce(c.resolved_at, c.updated_at) < cutoff
                  AND (purge.queue_name IS NULL OR c.queue_name = purge.queue_name)
                  AND NOT EXISTS (SELECT FROM animus.work_items r WHERE r.parent_id = c.id)
                  AND NOT EXISTS (SELECT FROM animus.work_items r WHERE r.merged_into = c.id)
                  AND NOT EXISTS (SELECT FROM animus.work_items p
                                  WHERE p.id IN (c.parent_id, c.merged_into)
                                    AND NOT (p.state IN ('completed', 'dead', 'merged')
                                             AND coalesce(p.resolved_at, p.updated_at) < cutoff))
                ORDER BY c.id
                LIMIT budget)
            -- A row requeue_dead made active meanwhile is no longer purgeable.
              AND d.state IN ('completed', 'dead', 'merged')
            RETURNING 1)
        SELECT count(*) INTO n FROM gone;
        EXIT WHEN n = 0;
        items_deleted := items_deleted + n;
        budget := budget - n;
    END LOOP;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION animus.purge(interval, integer, text) IS
    'Retention: first animus.reconcile (at most max_items), then delete pgmq archive rows archived before '
    'now() - older_than (default 7 days) and terminal work items (completed, dead, merged) resolved before '
    'it, at most max_items (default 10000) of each per call: repeat until less is reported. An item stays '
    'while anything references it (a child, a merged submission) or it references an item that is not '
    'purgeable, so provenance trees with a live or recent item stay whole. One queue, or all (NULL). '
    'Returns the counts. Errors: AN001 invalid queue name, AN002 unknown queue, AN008 negative or NULL '
    'older_than, max_items outside 1..100000.';
REVOKE EXECUTE ON FUNCTION animus.purge(interval, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.purge(interval, integer, text) TO animus_ops;

COMMIT;
