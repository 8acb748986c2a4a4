-- Deploy animus:function_submit_work to pg
-- The dedup-and-merge protocol (docs/queue.md, "Concurrency"): claim the key by inserting the
-- item (the UNIQUE index on active keys decides who is first); when that meets an active item,
-- animus._lock_active_item locks it, message first, and the submission is stored merged into
-- it; when the key came free meanwhile, claim again. A NULL queue is AN001 like any bad name.
-- The message is {"work_id": ..., "priority": n}: read_work orders by the priority in it
-- (docs/queue.md, "Priority"), through the queue's index from animus._index_queue.
-- Fewer statements per call (docs/queue.md, "Throughput"): the item's insert also checks the
-- queue, draws the message id from the queue's sequence and makes the id; the message goes
-- through animus._send_message, a static statement per queue whose plan each session keeps.
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
    v_traceparent text := submit_work.traceparent;
    v_tracestate text := submit_work.tracestate;
    fault text;
    new_id uuid;
    active_id uuid;
    new_msg_id bigint;
BEGIN
    -- The validation submit_work_batch shares (animus._submission_fault, inlined).
    fault := animus._submission_fault(submit_work.work_type, submit_work.source, submit_work.params, submit_work.dedup_key,
                                      submit_work.trigger_info, submit_work.max_attempts, submit_work.delay_seconds,
                                      v_traceparent, v_tracestate);
    IF fault IS NOT NULL THEN
        PERFORM animus._raise_submission_fault(fault, NULL, submit_work.params, submit_work.max_attempts, submit_work.delay_seconds);
    END IF;
    IF submit_work.queue_name IS NULL THEN
        PERFORM animus._check_queue(NULL);
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
    -- A traceparent argument was checked with the rest above.
    IF v_traceparent IS NULL AND position('*/' IN right(current_query(), 64)) > 0 THEN
        SELECT t.traceparent, t.tracestate INTO v_traceparent, v_tracestate
        FROM animus._trace_context(current_query()) AS t;
    END IF;

    LOOP
        -- One statement writes the item and draws the message id from the queue's pgmq
        -- sequence, so the message is written only once the item is known to be queued; the id
        -- is the column default (a UUIDv7). With a key, the UNIQUE index on active (work_type,
        -- dedup_key) decides who is first. The queue is checked after the insert, whose row the
        -- error then undoes: no sequence, no pgmq queue (below); a pgmq queue that animus did
        -- not create has no branch in animus._send_message, whose dynamic path checks
        -- animus.queues. A queue with a branch is an animus queue, so the usual call reads
        -- animus.queues not at all.
        IF submit_work.dedup_key IS NULL THEN
            INSERT INTO animus.work_items (pgmq_msg_id, queue_name, work_type, source, trigger_info,
                                           params, priority, parent_id, max_attempts, traceparent, tracestate)
            VALUES (nextval(to_regclass(format('pgmq.%I', animus._pgmq_relation(submit_work.queue_name, 'msg_id_seq')))),
                    submit_work.queue_name, submit_work.work_type, submit_work.source,
                    submit_work.trigger_info, coalesce(submit_work.params, '{}'), coalesce(submit_work.priority, 0),
                    submit_work.parent_id, submit_work.max_attempts, v_traceparent,
                    CASE WHEN v_traceparent IS NOT NULL THEN v_tracestate END)
            RETURNING id, pgmq_msg_id INTO new_id, new_msg_id;
        ELSE
            INSERT INTO animus.work_items (pgmq_msg_id, queue_name, work_type, dedup_key, source,
                                           trigger_info, params, priority, parent_id, max_attempts,
                                           traceparent, tracestate)
            VALUES (nextval(to_regclass(format('pgmq.%I', animus._pgmq_relation(submit_work.queue_name, 'msg_id_seq')))),
                    submit_work.queue_name, submit_work.work_type, submit_work.dedup_key,
                    submit_work.source, submit_work.trigger_info, coalesce(submit_work.params, '{}'),
                    coalesce(submit_work.priority, 0), submit_work.parent_id, submit_work.max_attempts,
                    v_traceparent, CASE WHEN v_traceparent IS NOT NULL THEN v_tracestate END)
            ON CONFLICT (work_type, dedup_key)
                WHERE dedup_key IS NOT NULL AND animus._is_active(state)
                DO NOTHING
            RETURNING id, pgmq_msg_id INTO new_id, new_msg_id;
        END IF;
        IF FOUND THEN
            -- The queue's pgmq table is gone (dropped behind animus's back): its sequence with
            -- it. The exception undoes the insert.
            IF new_msg_id IS NULL THEN
                PERFORM animus._check_queue(submit_work.queue_name);
                RAISE EXCEPTION 'queue % has no pgmq table', quote_literal(submit_work.queue_name)
                    USING ERRCODE = 'AN002', HINT = format('Create it again: SELECT animus.create_queue(%L);', submit_work.queue_name);
            END IF;
            -- The message: pgmq.send's row, with the priority that read_work orders by. The
            -- answer says whether to wake listening workers (docs/queue.md, "Push wake-ups"):
            -- only when no message of the queue was ready before this one. A NOTIFY serializes
            -- commits (8 submitters lost half their throughput to it), and while ready messages
            -- wait, the workers were woken for the first of them and read again as soon as a
            -- slot frees. A delayed item is not ready.
            IF animus._send_message(submit_work.queue_name, new_msg_id, coalesce(submit_work.delay_seconds, 0),
                                    jsonb_build_object('work_id', new_id, 'priority', coalesce(submit_work.priority, 0)),
                                    CASE WHEN v_traceparent IS NULL THEN NULL
                                         WHEN v_tracestate IS NULL THEN jsonb_build_object('traceparent', v_traceparent)
                                         ELSE jsonb_build_object('traceparent', v_traceparent, 'tracestate', v_tracestate) END) THEN
                PERFORM pg_notify('animus_work', submit_work.queue_name);
            END IF;
            RETURN ROW(new_id, 'queued', NULL, new_msg_id)::animus.submit_result;
        END IF;
        IF NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = submit_work.queue_name) THEN
            PERFORM animus._check_queue(submit_work.queue_name);
        END IF;

        -- The key is held by an active item: lock it until this transaction ends, so that a merge
        -- never points at an item that resolved in between. NULL: it resolved; claim again.
        active_id := animus._lock_active_item(submit_work.work_type, submit_work.dedup_key);
        IF active_id IS NOT NULL THEN
            INSERT INTO animus.work_items (queue_name, work_type, dedup_key, source, trigger_info,
                                           params, priority, state, merged_into, parent_id,
                                           max_attempts, traceparent, tracestate, resolved_at)
            VALUES (submit_work.queue_name, submit_work.work_type, submit_work.dedup_key,
                    submit_work.source, submit_work.trigger_info, coalesce(submit_work.params, '{}'),
                    coalesce(submit_work.priority, 0), 'merged', active_id, submit_work.parent_id,
                    submit_work.max_attempts, v_traceparent,
                    CASE WHEN v_traceparent IS NOT NULL THEN v_tracestate END, now())
            RETURNING id INTO new_id;
            RETURN ROW(new_id, 'merged', active_id, NULL)::animus.submit_result;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) IS
    'Submit work. Returns (work_id, status, merged_into, msg_id): status queued (new item plus a pgmq '
    'message, visible after delay_seconds) or merged (an active item with the same work_type and '
    'dedup_key exists; the new row keeps its own source/params and points at it; no message). '
    'max_attempts NULL means 5. A higher priority is delivered first (read_work); the message carries it. '
    'traceparent/tracestate, when given, win over the sqlcommenter comment of the statement. '
    'Errors: AN001 invalid or NULL queue name, AN002 unknown queue, AN003 unknown parent_id, '
    'AN005 params not an object, AN006 params over 1 MiB or a text field over 4096 bytes, '
    'AN008 empty work_type/source, negative delay, max_attempts < 1, malformed traceparent.';
REVOKE EXECUTE ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text) TO animus_app;

COMMIT;
