-- Deploy animus:function_submit_work_batch to pg
BEGIN;

CREATE FUNCTION animus.submit_work_batch(items jsonb)
    RETURNS SETOF animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
    position bigint;
    unknown_key text;
    statement_traceparent text;
    statement_tracestate text;
    results animus.submit_result[];
BEGIN
    IF items IS NULL OR jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION 'items must be a JSON array of objects'
            USING ERRCODE = 'AN007', HINT = 'Pass [{"queue_name": ..., "work_type": ..., "source": ...}, ...].';
    END IF;
    results := array_fill(NULL::animus.submit_result, ARRAY[jsonb_array_length(items)]);
    -- The statement's trace comment is parsed once for the whole batch.
    SELECT t.traceparent, t.tracestate INTO statement_traceparent, statement_tracestate
    FROM animus._trace_context(current_query()) AS t;

    -- Items are processed in key order, so that concurrent batches with overlapping keys take
    -- their locks in the same order and cannot deadlock. Among duplicates the input order
    -- decides, so the first one in the input is the one queued. Results go back in input order.
    FOR item, position IN
        SELECT e.value, e.ordinality FROM jsonb_array_elements(items) WITH ORDINALITY AS e
        ORDER BY e.value->>'work_type', e.value->>'dedup_key', e.ordinality
    LOOP
        IF jsonb_typeof(item) <> 'object' THEN
            RAISE EXCEPTION 'batch item % is not a JSON object', position
                USING ERRCODE = 'AN007', HINT = 'Every element of the array must be an object.';
        END IF;
        SELECT k INTO unknown_key FROM jsonb_object_keys(item) AS k
        WHERE k NOT IN ('queue_name', 'work_type', 'source', 'params', 'dedup_key', 'trigger_info',
                        'priority', 'parent_id', 'max_attempts', 'delay_seconds', 'traceparent', 'tracestate')
        LIMIT 1;
        IF unknown_key IS NOT NULL THEN
            RAISE EXCEPTION 'batch item % has an unknown field %', position, quote_literal(unknown_key)
                USING ERRCODE = 'AN007', HINT = 'Use the argument names of animus.submit_work.';
        END IF;
        IF jsonb_typeof(item->'queue_name') IS DISTINCT FROM 'string'
           OR jsonb_typeof(item->'work_type') IS DISTINCT FROM 'string'
           OR jsonb_typeof(item->'source') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'batch item % lacks a string queue_name, work_type or source', position
                USING ERRCODE = 'AN007', HINT = 'queue_name, work_type and source are required strings.';
        END IF;
        IF coalesce(jsonb_typeof(item->'priority'), 'null') NOT IN ('number', 'null')
           OR coalesce(jsonb_typeof(item->'max_attempts'), 'null') NOT IN ('number', 'null')
           OR coalesce(jsonb_typeof(item->'delay_seconds'), 'null') NOT IN ('number', 'null')
           OR coalesce(jsonb_typeof(item->'dedup_key'), 'null') NOT IN ('string', 'null')
           OR coalesce(jsonb_typeof(item->'trigger_info'), 'null') NOT IN ('string', 'null')
           OR coalesce(jsonb_typeof(item->'traceparent'), 'null') NOT IN ('string', 'null')
           OR coalesce(jsonb_typeof(item->'tracestate'), 'null') NOT IN ('string', 'null')
           OR coalesce(jsonb_typeof(item->'parent_id'), 'null') NOT IN ('string', 'null')
           OR (item->>'parent_id') !~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'batch item % has a field of the wrong type', position
                USING ERRCODE = 'AN007',
                      HINT = 'priority, max_attempts, delay_seconds are integers; parent_id a uuid; the rest strings.';
        END IF;
        -- Each item goes through submit_work inside this one transaction, so a later duplicate
        -- finds the earlier one and merges into it.
        results[position] := animus.submit_work(
            queue_name => item->>'queue_name',
            work_type => item->>'work_type',
            source => item->>'source',
            params => coalesce(item->'params', '{}'::jsonb),
            dedup_key => item->>'dedup_key',
            trigger_info => item->>'trigger_info',
            priority => coalesce((item->'priority')::integer, 0),
            parent_id => (item->>'parent_id')::uuid,
            max_attempts => (item->'max_attempts')::integer,
            delay_seconds => coalesce((item->'delay_seconds')::integer, 0),
            traceparent => coalesce(item->>'traceparent', statement_traceparent),
            tracestate => CASE WHEN item->>'traceparent' IS NOT NULL THEN item->>'tracestate'
                               ELSE statement_tracestate END);
    END LOOP;
    RETURN QUERY SELECT * FROM unnest(results);
END
$$;

COMMENT ON FUNCTION animus.submit_work_batch(jsonb) IS
    'Submit a JSON array of items (objects with submit_work''s argument names) in one call. Returns one '
    'submit_result per item, in input order; a duplicate inside the batch merges into the first. '
    'All or nothing: an error anywhere writes nothing. Errors: AN007 not an array of objects, '
    'unknown or mistyped field, missing queue_name/work_type/source; and every error of submit_work '
    '(AN001, AN002, AN003, AN005, AN006, AN008).';
REVOKE EXECUTE ON FUNCTION animus.submit_work_batch(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.submit_work_batch(jsonb) TO animus_app;

COMMIT;
