-- Deploy animus:function_submit_work_batch to pg
-- The dedup-and-merge protocol of submit_work (docs/queue.md, "Concurrency"), for many items:
-- the leads' keys are claimed strictly in (work_type, dedup_key) order, one key after the
-- other, never going back to an earlier key, so overlapping batches wait on each other's keys
-- in one order and cannot deadlock. priority, max_attempts and delay_seconds must be whole
-- numbers in the integer range (AN008), never rounded. Each message carries its item's priority,
-- which read_work orders by (docs/queue.md, "Priority").
-- The wake-up check asks "is the earliest vt past" (min(vt): the vt index's first live entry)
-- rather than EXISTS (vt <= clock_timestamp()), which cannot use the index (a volatile bound)
-- and scanned the heap through every archived message since the last vacuum. The expression
-- is animus._queue_statement('none_ready', ...), the one submit_work's message uses.
BEGIN;

CREATE OR REPLACE FUNCTION animus.submit_work_batch(items jsonb)
    RETURNS SETOF animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    first_ready boolean;
    statement_traceparent text;
    statement_tracestate text;
    bad record;
    missing_queue text;
    missing_parent uuid;
    -- The batch as work_items rows in input order (array index = position), ids and, for the
    -- first item of each key, message ids assigned up front; lead_ids holds, for every item,
    -- the id of the first item in the batch with the same (work_type, dedup_key).
    batch animus.work_items[];
    delays integer[];
    lead_ids uuid[];
    lead_count bigint;
    lead record;
    active_id uuid;
    merge_ids uuid[] := '{}';
    merge_targets uuid[] := '{}';
    queue text;
    all_inserted boolean;
    batch_ms bytea := substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3);
BEGIN
    IF items IS NULL OR jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION 'items must be a JSON array of objects'
            USING ERRCODE = 'AN007', HINT = 'Pass [{"queue_name": ..., "work_type": ..., "source": ...}, ...].';
    END IF;
    IF jsonb_array_length(items) = 0 THEN
        RETURN;
    END IF;
    -- The statement's trace comment is parsed once for the whole batch, and only when the
    -- statement ends in a comment.
    IF position('*/' IN right(current_query(), 64)) > 0 THEN
        SELECT t.traceparent, t.tracestate INTO statement_traceparent, statement_tracestate
        FROM animus._trace_context(current_query()) AS t;
    END IF;

    -- 1. Validate every item before anything is written. The first bad item in input order is
    -- reported, with the check that failed (the checks run in the order submit_work makes them).
    SELECT c.position, c.item, c.failed INTO bad
    FROM (
        SELECT e.ordinality AS position, e.value AS item,
               CASE
                   WHEN jsonb_typeof(e.value) <> 'object' THEN 'not_object'
                   -- What is left after removing the known keys is unknown.
                   WHEN e.value - '{queue_name, work_type, source, params, dedup_key, trigger_info, priority, parent_id, max_attempts, delay_seconds, traceparent, tracestate}'::text[]
                        <> '{}'::jsonb
                       THEN 'unknown_field'
                   WHEN jsonb_typeof(e.value->'queue_name') IS DISTINCT FROM 'string'
                        OR jsonb_typeof(e.value->'work_type') IS DISTINCT FROM 'string'
                        OR jsonb_typeof(e.value->'source') IS DISTINCT FROM 'string'
                       THEN 'required'
                   WHEN coalesce(jsonb_typeof(e.value->'priority'), 'null') NOT IN ('number', 'null')
                        OR coalesce(jsonb_typeof(e.value->'max_attempts'), 'null') NOT IN ('number', 'null')
                        OR coalesce(jsonb_typeof(e.value->'delay_seconds'), 'null') NOT IN ('number', 'null')
                        OR coalesce(jsonb_typeof(e.value->'dedup_key'), 'null') NOT IN ('string', 'null')
                        OR coalesce(jsonb_typeof(e.value->'trigger_info'), 'null') NOT IN ('string', 'null')
                        OR coalesce(jsonb_typeof(e.value->'traceparent'), 'null') NOT IN ('string', 'null')
                        OR coalesce(jsonb_typeof(e.value->'tracestate'), 'null') NOT IN ('string', 'null')
                        OR coalesce(jsonb_typeof(e.value->'parent_id'), 'null') NOT IN ('string', 'null')
                        OR (e.value->>'parent_id') !~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$'
                       THEN 'mistyped'
                   -- A JSON number is numeric: refuse fractions and values past the integer range
                   -- here, before any cast would round them or raise 22003.
                   WHEN jsonb_typeof(e.value->'priority') = 'number'
                        AND ((e.value->>'priority')::numeric % 1 <> 0
                             OR (e.value->>'priority')::numeric NOT BETWEEN -2147483648 AND 2147483647)
                        OR jsonb_typeof(e.value->'max_attempts') = 'number'
                        AND ((e.value->>'max_attempts')::numeric % 1 <> 0
                             OR (e.value->>'max_attempts')::numeric NOT BETWEEN -2147483648 AND 2147483647)
                        OR jsonb_typeof(e.value->'delay_seconds') = 'number'
                        AND ((e.value->>'delay_seconds')::numeric % 1 <> 0
                             OR (e.value->>'delay_seconds')::numeric NOT BETWEEN -2147483648 AND 2147483647)
                       THEN 'not_integer'
                   -- The values: the validation submit_work shares (inlined).
                   ELSE animus._submission_fault(
                       e.value->>'work_type', e.value->>'source', e.value->'params', e.value->>'dedup_key',
                       e.value->>'trigger_info', (nullif(e.value->'max_attempts', 'null'))::integer,
                       (nullif(e.value->'delay_seconds', 'null'))::integer, e.value->>'traceparent',
                       e.value->>'tracestate')
               END AS failed
        FROM jsonb_array_elements(items) WITH ORDINALITY AS e
    ) AS c
    WHERE c.failed IS NOT NULL
    ORDER BY c.position
    LIMIT 1;
    IF FOUND THEN
        CASE bad.failed
        WHEN 'not_object' THEN
            RAISE EXCEPTION 'batch item % is not a JSON object', bad.position
                USING ERRCODE = 'AN007', HINT = 'Every element of the array must be an object.';
        WHEN 'unknown_field' THEN
            RAISE EXCEPTION 'batch item % has an unknown field %', bad.position,
                    (SELECT quote_literal(k) FROM jsonb_object_keys(bad.item) AS k
                     WHERE k NOT IN ('queue_name', 'work_type', 'source', 'params', 'dedup_key', 'trigger_info',
                                     'priority', 'parent_id', 'max_attempts', 'delay_seconds', 'traceparent',
                                     'tracestate')
                     LIMIT 1)
                USING ERRCODE = 'AN007', HINT = 'Use the argument names of animus.submit_work.';
        WHEN 'required' THEN
            RAISE EXCEPTION 'batch item % lacks a string queue_name, work_type or source', bad.position
                USING ERRCODE = 'AN007', HINT = 'queue_name, work_type and source are required strings.';
        WHEN 'mistyped' THEN
            RAISE EXCEPTION 'batch item % has a field of the wrong type', bad.position
                USING ERRCODE = 'AN007',
                      HINT = 'priority, max_attempts, delay_seconds are integers; parent_id a uuid; the rest strings.';
        WHEN 'not_integer' THEN
            RAISE EXCEPTION 'batch item %: priority, max_attempts and delay_seconds must be whole numbers in the integer range', bad.position
                USING ERRCODE = 'AN008', HINT = 'Pass integers such as 0, 3 or 60; fractions are refused, not rounded.';
        ELSE
            PERFORM animus._raise_submission_fault(bad.failed, bad.position, bad.item->'params',
                                                   (nullif(bad.item->'max_attempts', 'null'))::integer,
                                                   (nullif(bad.item->'delay_seconds', 'null'))::integer);
        END CASE;
    END IF;
    -- Every queue must exist (AN001/AN002 from _check_queue), and every parent too (AN003).
    SELECT e.value->>'queue_name' INTO missing_queue
    FROM jsonb_array_elements(items) WITH ORDINALITY AS e
    WHERE NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = e.value->>'queue_name')
    ORDER BY e.ordinality
    LIMIT 1;
    IF FOUND THEN
        PERFORM animus._check_queue(missing_queue);
    END IF;
    SELECT (e.value->>'parent_id')::uuid INTO missing_parent
    FROM jsonb_array_elements(items) WITH ORDINALITY AS e
    WHERE e.value->>'parent_id' IS NOT NULL
      AND NOT EXISTS (SELECT FROM animus.work_items w WHERE w.id = (e.value->>'parent_id')::uuid)
    ORDER BY e.ordinality
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown parent work item %', missing_parent
            USING ERRCODE = 'AN003', HINT = 'parent_id must be the work_id of an existing item.';
    END IF;

    -- 2. The batch as rows. The first item of each key (and every item without a key) is a
    -- lead and gets a message id from its queue's sequence now, so rows and messages can be
    -- inserted set by set. The item's traceparent wins over the statement's comment, and a
    -- tracestate only travels with the traceparent it came with.
    SELECT array_agg(ROW(p.id, p.msg_id, p.queue_name, p.work_type, p.dedup_key, p.source, p.trigger_info,
                         p.params, p.priority, 'queued', NULL, p.parent_id, 0, p.max_attempts, NULL, NULL,
                         NULL, p.traceparent, CASE WHEN p.traceparent IS NOT NULL THEN p.tracestate END,
                         now(), now(), NULL, NULL)::animus.work_items ORDER BY p.position),
           array_agg(p.delay_seconds ORDER BY p.position),
           array_agg(p.lead_id ORDER BY p.position),
           count(p.msg_id)
    INTO batch, delays, lead_ids, lead_count
    FROM (
        SELECT l.*,
               CASE WHEN l.id = l.lead_id
                    THEN nextval(s.msg_id_seq)
               END AS msg_id
        FROM (
            SELECT i.*,
                   CASE WHEN i.dedup_key IS NULL THEN i.id
                        ELSE first_value(i.id) OVER (PARTITION BY i.work_type, i.dedup_key ORDER BY i.position)
                   END AS lead_id
            FROM (
                -- Time-ordered ids (UUIDv7 layout, as in submit_work): the batch's milliseconds,
                -- then random bits with the version nibble set to 7.
                SELECT e.ordinality AS position,
                       encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING batch_ms FROM 1 FOR 6),
                                              52, 1), 53, 1), 'hex')::uuid AS id,
                       e.value->>'queue_name' AS queue_name, e.value->>'work_type' AS work_type,
                       e.value->>'dedup_key' AS dedup_key, e.value->>'source' AS source,
                       e.value->>'trigger_info' AS trigger_info,
                       coalesce(e.value->'params', '{}'::jsonb) AS params,
                       coalesce(nullif(e.value->'priority', 'null')::integer, 0) AS priority,
                       (e.value->>'parent_id')::uuid AS parent_id,
                       nullif(e.value->'max_attempts', 'null')::integer AS max_attempts,
                       coalesce(nullif(e.value->'delay_seconds', 'null')::integer, 0) AS delay_seconds,
                       coalesce(e.value->>'traceparent', statement_traceparent) AS traceparent,
                       CASE WHEN e.value->>'traceparent' IS NOT NULL THEN e.value->>'tracestate'
                            ELSE statement_tracestate END AS tracestate
                FROM jsonb_array_elements(items) WITH ORDINALITY AS e
            ) AS i
        ) AS l
        -- The sequence behind each queue's msg_id column, looked up once per queue.
        JOIN (SELECT q.queue_name, format('pgmq.%I', animus._pgmq_relation(q.queue_name, 'msg_id_seq'))::regclass AS msg_id_seq
              FROM (SELECT DISTINCT e.value->>'queue_name' AS queue_name
                    FROM jsonb_array_elements(items) AS e) AS q) AS s
          ON s.queue_name = l.queue_name
    ) AS p;

    -- 3. Insert the leads (the items with a message id) as queued items.
    -- Most batches bring only free keys. One plain INSERT of all leads, in key order, then
    -- suffices, and it skips ON CONFLICT's speculative insertion (about a third of the insert's
    -- cost). If any lead's key is held by an active item it fails as a whole, its subtransaction
    -- releases every key it took, and the leads are claimed one by one below.
    BEGIN
        INSERT INTO animus.work_items (id, pgmq_msg_id, queue_name, work_type, dedup_key, source,
                                       trigger_info, params, priority, parent_id, max_attempts,
                                       traceparent, tracestate)
        SELECT b.id, b.pgmq_msg_id, b.queue_name, b.work_type, b.dedup_key, b.source, b.trigger_info,
               b.params, b.priority, b.parent_id, b.max_attempts, b.traceparent, b.tracestate
        FROM unnest(batch) WITH ORDINALITY AS b
        WHERE b.pgmq_msg_id IS NOT NULL
        ORDER BY b.work_type, b.dedup_key, b.ordinality;
        all_inserted := true;
    EXCEPTION WHEN unique_violation THEN
        all_inserted := false;
    END;
    IF NOT all_inserted THEN
        -- Keyless leads conflict with nothing.
        INSERT INTO animus.work_items (id, pgmq_msg_id, queue_name, work_type, dedup_key, source,
                                       trigger_info, params, priority, parent_id, max_attempts,
                                       traceparent, tracestate)
        SELECT b.id, b.pgmq_msg_id, b.queue_name, b.work_type, b.dedup_key, b.source, b.trigger_info,
               b.params, b.priority, b.parent_id, b.max_attempts, b.traceparent, b.tracestate
        FROM unnest(batch) WITH ORDINALITY AS b
        WHERE b.pgmq_msg_id IS NOT NULL AND b.dedup_key IS NULL
        ORDER BY b.ordinality;
        -- Keyed leads: submit_work's protocol, key after key in (work_type, dedup_key) order.
        FOR lead IN
            SELECT b.* FROM unnest(batch) WITH ORDINALITY AS b
            WHERE b.pgmq_msg_id IS NOT NULL AND b.dedup_key IS NOT NULL
            ORDER BY b.work_type, b.dedup_key
        LOOP
            LOOP
                INSERT INTO animus.work_items (id, pgmq_msg_id, queue_name, work_type, dedup_key, source,
                                               trigger_info, params, priority, parent_id, max_attempts,
                                               traceparent, tracestate)
                VALUES (lead.id, lead.pgmq_msg_id, lead.queue_name, lead.work_type, lead.dedup_key, lead.source,
                        lead.trigger_info, lead.params, lead.priority, lead.parent_id, lead.max_attempts,
                        lead.traceparent, lead.tracestate)
                ON CONFLICT (work_type, dedup_key)
                    WHERE dedup_key IS NOT NULL AND animus._is_active(state)
                    DO NOTHING;
                EXIT WHEN FOUND;
                active_id := animus._lock_active_item(lead.work_type, lead.dedup_key);
                IF active_id IS NOT NULL THEN
                    merge_ids := merge_ids || lead.id;
                    merge_targets := merge_targets || active_id;
                    EXIT;
                END IF;
            END LOOP;
        END LOOP;
    END IF;
    IF cardinality(merge_ids) > 0 THEN
        -- Leads that merged send no message: drop the message ids they were given.
        batch := ARRAY(SELECT ROW(b.id, CASE WHEN b.id <> ALL (merge_ids) THEN b.pgmq_msg_id END,
                                  b.queue_name, b.work_type, b.dedup_key, b.source, b.trigger_info, b.params,
                                  b.priority, b.state, b.merged_into, b.parent_id, b.attempts, b.max_attempts,
                                  b.outcome_data, b.outcome_error, b.outcome_ms, b.traceparent, b.tracestate,
                                  b.created_at, b.updated_at, b.resolved_at, b.cancelled_at)::animus.work_items
                       FROM unnest(batch) WITH ORDINALITY AS b ORDER BY b.ordinality);
    END IF;

    -- 4. The queued items' messages: one multi-row insert per queue, with the message ids
    -- assigned in step 2 (pgmq's table names are q_<queue_name>, validated above).
    FOR queue IN SELECT DISTINCT b.queue_name FROM unnest(batch) AS b WHERE b.pgmq_msg_id IS NOT NULL LOOP
        -- The same statement decides the one wake-up per queue per batch: only when no message
        -- of the queue was ready before the batch's (docs/queue.md, "Push wake-ups"; the reason
        -- is in function_submit_work.sql). The main query does not see what its WITH inserts.
        EXECUTE format('WITH sent AS (INSERT INTO pgmq.%1$I (msg_id, vt, message, headers) OVERRIDING SYSTEM VALUE '
                       '  SELECT b.pgmq_msg_id, clock_timestamp() + make_interval(secs => $2[b.ordinality]), '
                       '         jsonb_build_object(''work_id'', b.id, ''priority'', b.priority), '
                       '         CASE WHEN b.traceparent IS NOT NULL '
                       '              THEN jsonb_strip_nulls(jsonb_build_object(''traceparent'', b.traceparent, '
                       '                                                        ''tracestate'', b.tracestate)) END '
                       '  FROM unnest($1) WITH ORDINALITY AS b '
                       '  WHERE b.pgmq_msg_id IS NOT NULL AND b.queue_name = $3) '
                       'SELECT %2$s',
                       animus._pgmq_relation(queue, 'queue'), animus._queue_statement('none_ready', queue, '{}'))
            INTO first_ready
            USING batch, delays, queue;
        IF first_ready THEN
            PERFORM pg_notify('animus_work', queue);
        END IF;
    END LOOP;

    IF lead_count = jsonb_array_length(items) AND cardinality(merge_ids) = 0 THEN
        RETURN QUERY SELECT b.id, 'queued'::text, NULL::uuid, b.pgmq_msg_id FROM unnest(batch) AS b;
        RETURN;
    END IF;
    -- 5. Everything else is stored merged: a lead into the active item it found, a later
    -- duplicate into whatever its lead became. Results go back in input order.
    RETURN QUERY
    WITH target AS (
        SELECT b.ordinality AS position, b.id, b.pgmq_msg_id,
               CASE WHEN b.pgmq_msg_id IS NULL
                    THEN coalesce(m.target_id, lead_ids[b.ordinality]) END AS merged_into
        FROM unnest(batch) WITH ORDINALITY AS b
        LEFT JOIN unnest(merge_ids, merge_targets) AS m(lead_id, target_id) ON m.lead_id = lead_ids[b.ordinality]
    ), merged AS (
        INSERT INTO animus.work_items (id, queue_name, work_type, dedup_key, source, trigger_info, params,
                                       priority, state, merged_into, parent_id, max_attempts, traceparent,
                                       tracestate, resolved_at)
        SELECT b.id, b.queue_name, b.work_type, b.dedup_key, b.source, b.trigger_info, b.params, b.priority,
               'merged', t.merged_into, b.parent_id, b.max_attempts, b.traceparent, b.tracestate, now()
        FROM unnest(batch) WITH ORDINALITY AS b
        JOIN target AS t ON t.position = b.ordinality
        WHERE t.merged_into IS NOT NULL
        ORDER BY b.ordinality
    )
    SELECT t.id, CASE WHEN t.merged_into IS NULL THEN 'queued' ELSE 'merged' END, t.merged_into, t.pgmq_msg_id
    FROM target AS t
    ORDER BY t.position;
END
$$;

COMMENT ON FUNCTION animus.submit_work_batch(jsonb) IS
    'Submit a JSON array of items (objects with submit_work''s argument names) in one call. Returns one '
    'submit_result per item, in input order; a duplicate inside the batch merges into the first (or into '
    'the active item the first merged into). All or nothing: every item is validated before anything is '
    'written, and the first bad item in input order is reported. JSON null means the default. '
    'Errors: AN007 not an array of objects, unknown or mistyped field, missing queue_name/work_type/source; '
    'AN008 priority, max_attempts or delay_seconds not a whole number in the integer range; '
    'and every error of submit_work (AN001, AN002, AN003, AN005, AN006, AN008).';
REVOKE EXECUTE ON FUNCTION animus.submit_work_batch(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.submit_work_batch(jsonb) TO animus_app;

COMMIT;
