-- Deploy animus:function_work_provenance to pg
BEGIN;

CREATE FUNCTION animus.work_provenance(work_id uuid)
    RETURNS TABLE (relation text, id uuid, queue_name text, work_type text, dedup_key text,
                   source text, trigger_info text, state text, parent_id uuid, merged_into uuid,
                   attempts integer, created_at timestamptz, resolved_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT FROM animus.work_items w WHERE w.id = work_provenance.work_id) THEN
        RAISE EXCEPTION 'unknown work item %', coalesce(work_provenance.work_id::text, 'NULL')
            USING ERRCODE = 'AN003', HINT = 'Pass a work_id from submit_work or animus.work_items.';
    END IF;
    RETURN QUERY
    WITH self AS (SELECT * FROM animus.work_items w WHERE w.id = work_provenance.work_id),
    related AS (
        SELECT 1 AS ord, 'self' AS relation, s.* FROM self s
        UNION ALL
        SELECT 2, 'merged_into', w.* FROM animus.work_items w JOIN self s ON w.id = s.merged_into
        UNION ALL
        SELECT 3, 'parent', w.* FROM animus.work_items w JOIN self s ON w.id = s.parent_id
        UNION ALL
        SELECT 4, 'child', w.* FROM animus.work_items w WHERE w.parent_id = work_provenance.work_id
        UNION ALL
        SELECT 5, 'merged', w.* FROM animus.work_items w WHERE w.merged_into = work_provenance.work_id
    )
    SELECT r.relation, r.id, r.queue_name, r.work_type, r.dedup_key, r.source, r.trigger_info,
           r.state, r.parent_id, r.merged_into, r.attempts, r.created_at, r.resolved_at
    FROM related r
    ORDER BY r.ord, r.created_at, r.id;
END
$$;

COMMENT ON FUNCTION animus.work_provenance(uuid) IS
    'Provenance of a work item: the item itself (relation self), the item it was merged into '
    '(merged_into), its parent (parent), its children (child) and the submissions merged into it '
    '(merged), each with its own source and trigger_info. Errors: AN003 unknown work item.';
REVOKE EXECUTE ON FUNCTION animus.work_provenance(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.work_provenance(uuid) TO animus_ops;

COMMIT;
