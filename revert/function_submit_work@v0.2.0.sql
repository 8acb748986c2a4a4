-- Revert animus:function_submit_work from pg: the v0.1.0 body
BEGIN;

CREATE OR REPLACE FUNCTION animus.submit_work(
    queue_name text,
    work_type text,
    source text,
    params jsonb DEFAULT '{}',
    dedup_key text DEFAULT NULL,
    trigger_info text DEFAULT NULL,
    priority integer DEFAULT 0,
    parent_id uuid DEFAULT NULL,
    max_attempts integer DEFAULT NULL,
    delay_seconds integer DEFAULT 0,
    traceparent text DEFAULT NULL,
    tracestate text DEFAULT NULL)
    RETURNS animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    -- A UUIDv7 layout: 48-bit Unix milliseconds, then gen_random_uuid()'s random bits with the
    -- version nibble set to 7 (the variant bits are already 10). Time-ordered ids append to the
    -- primary-key index instead of scattering over it.
    new_id uuid := encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                              PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                              FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid;
    v_params jsonb := coalesce(submit_work.params, '{}'::jsonb);
    v_traceparent text := submit_work.traceparent;
    v_tracestate text := submit_work.tracestate;
    headers jsonb;
    active_id uuid;
    new_msg_id bigint;
    msg_id_seq regclass;
BEGIN
    IF coalesce(submit_work.work_type, '') = '' OR coalesce(submit_work.source, '') = '' THEN
        RAISE EXCEPTION 'work_type and source must be non-empty'
            USING ERRCODE = 'AN008', HINT = 'Say what kind of work this is and who submits it.';
    END IF;
    IF jsonb_typeof(v_params) <> 'object' THEN
        RAISE EXCEPTION 'params must be a JSON object, not %', jsonb_typeof(v_params)
            USING ERRCODE = 'AN005', HINT = 'Wrap the value in an object, e.g. {"value": ...}.';
    END IF;
    IF octet_length(v_params::text) > 1048576 THEN
        RAISE EXCEPTION 'params is % bytes as text, over the 1 MiB limit', octet_length(v_params::text)
            USING ERRCODE = 'AN006', HINT = 'Store large inputs elsewhere and pass a reference.';
    END IF;
    IF octet_length(submit_work.work_type) > 4096 OR octet_length(submit_work.source) > 4096
       OR octet_length(submit_work.dedup_key) > 4096 OR octet_length(submit_work.trigger_info) > 4096
       OR octet_length(v_traceparent) > 4096 OR octet_length(v_tracestate) > 4096 THEN
        RAISE EXCEPTION 'a text argument is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Shorten work_type, source, dedup_key, trigger_info or the trace context.';
    END IF;
    IF submit_work.max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1, got %', submit_work.max_attempts
            USING ERRCODE = 'AN008', HINT = 'Pass NULL for the default of 5 attempts.';
    END IF;
    IF submit_work.delay_seconds < 0 THEN
        RAISE EXCEPTION 'delay_seconds must not be negative, got %', submit_work.delay_seconds
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to make the item visible at once.';
    END IF;
    -- The message id comes from the queue's pgmq sequence up front, so the work item is written
    -- first and the message only once the item is known to be queued. pgmq names the queue's
    -- table q_<queue_name>; a missing sequence means an invalid name or no such queue.
    msg_id_seq := to_regclass(format('pgmq.%I', 'q_' || submit_work.queue_name || '_msg_id_seq'));
    IF msg_id_seq IS NULL THEN
        PERFORM animus._check_queue(submit_work.queue_name);
        RAISE EXCEPTION 'queue % has no pgmq table', quote_literal(submit_work.queue_name)
            USING ERRCODE = 'AN002', HINT = format('Create it again: SELECT animus.create_queue(%L);', submit_work.queue_name);
    END IF;
    -- Nested, not one AND: a NULL parent_id folds the combined condition to false, and the
    -- plan cache would then build a fresh custom plan on every call.
    IF submit_work.parent_id IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM animus.work_items w WHERE w.id = submit_work.parent_id) THEN
            RAISE EXCEPTION 'unknown parent work item %', submit_work.parent_id
                USING ERRCODE = 'AN003', HINT = 'parent_id must be the work_id of an existing item.';
        END IF;
    END IF;

    -- Trace context: the argument wins; otherwise the sqlcommenter comment of the statement.
    -- Only a statement that ends in a comment can carry one: skip the parser otherwise.
    IF v_traceparent IS NULL AND position('*/' IN right(current_query(), 64)) > 0 THEN
        SELECT t.traceparent, t.tracestate INTO v_traceparent, v_tracestate
        FROM animus._trace_context(current_query()) AS t;
    ELSIF v_traceparent IS NOT NULL AND v_traceparent !~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'
          OR v_traceparent ~ '^00-0{32}-' OR v_traceparent ~ '-0{16}-[0-9a-f]{2}$' THEN
        RAISE EXCEPTION 'traceparent is not a valid W3C traceparent'
            USING ERRCODE = 'AN008', HINT = 'Use 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, or NULL.';
    END IF;
    IF v_traceparent IS NOT NULL THEN
        headers := jsonb_build_object('traceparent', v_traceparent);
        IF v_tracestate IS NOT NULL THEN
            headers := headers || jsonb_build_object('tracestate', v_tracestate);
        END IF;
    ELSE
        v_tracestate := NULL;
    END IF;

    new_msg_id := nextval(msg_id_seq);

    LOOP
        -- One statement writes the item and checks the queue: the row is selected from
        -- animus.queues by primary key, so an unknown queue inserts nothing. With a key, the
        -- UNIQUE index on active (work_type, dedup_key) decides who is first.
        IF submit_work.dedup_key IS NULL THEN
            INSERT INTO animus.work_items (id, pgmq_msg_id, queue_name, work_type, source, trigger_info,
                                           params, priority, parent_id, max_attempts, traceparent, tracestate)
            SELECT new_id, new_msg_id, q.queue_name, submit_work.work_type, submit_work.source,
                   submit_work.trigger_info, v_params, coalesce(submit_work.priority, 0),
                   submit_work.parent_id, submit_work.max_attempts, v_traceparent, v_tracestate
            FROM animus.queues q
            WHERE q.queue_name = submit_work.queue_name;
        ELSE
            INSERT INTO animus.work_items (id, pgmq_msg_id, queue_name, work_type, dedup_key, source,
                                           trigger_info, params, priority, parent_id, max_attempts,
                                           traceparent, tracestate)
            SELECT new_id, new_msg_id, q.queue_name, submit_work.work_type, submit_work.dedup_key,
                   submit_work.source, submit_work.trigger_info, v_params, coalesce(submit_work.priority, 0),
                   submit_work.parent_id, submit_work.max_attempts, v_traceparent, v_tracestate
            FROM animus.queues q
            WHERE q.queue_name = submit_work.queue_name
            ON CONFLICT (work_type, dedup_key)
                WHERE dedup_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'merged')
                DO NOTHING;
        END IF;
        IF FOUND THEN
            -- pgmq.send's statement without its wrapper layers, with every column given so that
            -- planning it needs no column defaults or identity lookup.
            EXECUTE format('INSERT INTO pgmq.%I (msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers) '
                           'OVERRIDING SYSTEM VALUE '
                           'VALUES ($1, 0, now(), NULL, clock_timestamp() + make_interval(secs => $2), $3, $4)',
                           'q_' || submit_work.queue_name)
                USING new_msg_id, coalesce(submit_work.delay_seconds, 0), jsonb_build_object('work_id', new_id), headers;
            RETURN ROW(new_id, 'queued', NULL, new_msg_id)::animus.submit_result;
        END IF;
        IF NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = submit_work.queue_name) THEN
            PERFORM animus._check_queue(submit_work.queue_name);
        END IF;

        -- The key is held by an active item. FOR SHARE holds its state until this transaction
        -- ends, so a merge never points at an item that completed in between; if it resolved
        -- before it could be locked, the next round inserts again.
        SELECT w.id INTO active_id FROM animus.work_items w
        WHERE w.work_type = submit_work.work_type AND w.dedup_key = submit_work.dedup_key
          AND w.state NOT IN ('completed', 'dead', 'merged')
        FOR SHARE;
        IF FOUND THEN
            INSERT INTO animus.work_items (id, queue_name, work_type, dedup_key, source, trigger_info,
                                           params, priority, state, merged_into, parent_id,
                                           max_attempts, traceparent, tracestate, resolved_at)
            VALUES (new_id, submit_work.queue_name, submit_work.work_type, submit_work.dedup_key,
                    submit_work.source, submit_work.trigger_info, v_params,
                    coalesce(submit_work.priority, 0), 'merged', active_id, submit_work.parent_id,
                    submit_work.max_attempts, v_traceparent, v_tracestate, now());
            RETURN ROW(new_id, 'merged', active_id, NULL)::animus.submit_result;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) IS
    'Submit work. Returns (work_id, status, merged_into, msg_id): status queued (new item plus a pgmq '
    'message, visible after delay_seconds) or merged (an active item with the same work_type and '
    'dedup_key exists; the new row keeps its own source/params and points at it; no message). '
    'max_attempts NULL means 5. priority is stored and shown but does not change delivery order. '
    'traceparent/tracestate, when given, win over the sqlcommenter comment of the statement. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN003 unknown parent_id, '
    'AN005 params not an object, AN006 params over 1 MiB or a text field over 4096 bytes, '
    'AN008 empty work_type/source, negative delay, max_attempts < 1, malformed traceparent.';
REVOKE EXECUTE ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) TO animus_app;

COMMIT;
