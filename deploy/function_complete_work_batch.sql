-- Deploy animus:function_complete_work_batch to pg
-- complete_work for many items in one round trip (a worker with --concurrency settles what
-- finished since its last call). Per item it does what complete_work does and checks the same
-- lease, and says per row what happened; an item that cannot be completed (lease lost,
-- cancelled, not running, unknown) is reported with the SQLSTATE complete_work would raise and
-- leaves the others alone, since a lost lease is an ordinary race for a worker, not a fault of
-- the batch. Malformed input (AN007, AN008, AN006) refuses the whole call before anything is
-- written.
-- Lock order (docs/queue.md, "Concurrency"): messages first, then items, as everywhere. The
-- messages are locked in (queue_name, msg_id) order with SKIP LOCKED, so this call never waits
-- for a message while holding others (a submit batch merging into several items holds several
-- message share locks, so waiting here could close a cycle): an item whose message another
-- transaction holds is reported busy, with nothing changed, and settled again by the caller
-- (the Python client does so with complete_work, which waits holding nothing). Once the
-- messages are locked, a second statement (a new snapshot, so it sees every commit of an
-- earlier lock holder) completes the items that are still the running item of their message,
-- and a third archives exactly those messages.
-- The lock and the archive are animus._lock_messages and _archive_messages: a static statement
-- per queue whose plan the session keeps (docs/queue.md, "Throughput"), where v0.3.0 planned
-- two dynamic statements per queue on every call.
BEGIN;

CREATE OR REPLACE FUNCTION animus.complete_work_batch(items jsonb)
    RETURNS SETOF animus.complete_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    bad record;
    ids uuid[];
    leases integer[];
    outcomes jsonb[];
    durations bigint[];
    q text;
    q_ids uuid[];
    q_msgs bigint[];
    q_leases integer[];
    got_msgs bigint[];
    locked_ids uuid[] := '{}';
    locked_msgs bigint[] := '{}';
    locked_queues text[] := '{}';
    completed_ids uuid[];
    refused record;
    refusals animus.complete_result[] := '{}';
BEGIN
    IF items IS NULL OR jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION 'items must be a JSON array of objects'
            USING ERRCODE = 'AN007', HINT = 'Pass [{"work_id": ..., "lease": ..., "outcome_data": ..., "outcome_ms": ...}, ...].';
    END IF;
    IF jsonb_array_length(items) = 0 THEN
        RETURN;
    END IF;
    IF jsonb_array_length(items) > 1000 THEN
        RAISE EXCEPTION 'complete_work_batch takes at most 1000 items, got %', jsonb_array_length(items)
            USING ERRCODE = 'AN008', HINT = 'Split the batch.';
    END IF;

    -- 1. Validate every item before anything is written; the first bad one in input order is reported.
    SELECT c.position, c.failed INTO bad
    FROM (
        SELECT e.ordinality AS position,
               CASE
                   WHEN jsonb_typeof(e.value) <> 'object' THEN 'not_object'
                   WHEN e.value - '{work_id, lease, outcome_data, outcome_ms}'::text[] <> '{}'::jsonb THEN 'unknown_field'
                   WHEN jsonb_typeof(e.value->'work_id') IS DISTINCT FROM 'string'
                        OR (e.value->>'work_id') !~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$' THEN 'work_id'
                   WHEN coalesce(jsonb_typeof(e.value->'lease'), 'null') NOT IN ('number', 'null')
                        OR coalesce(jsonb_typeof(e.value->'outcome_ms'), 'null') NOT IN ('number', 'null') THEN 'mistyped'
                   -- Whole numbers in range, checked before any cast could round or raise 22003.
                   WHEN jsonb_typeof(e.value->'lease') = 'number'
                        AND ((e.value->>'lease')::numeric % 1 <> 0
                             OR (e.value->>'lease')::numeric NOT BETWEEN -2147483648 AND 2147483647)
                        OR jsonb_typeof(e.value->'outcome_ms') = 'number'
                        AND ((e.value->>'outcome_ms')::numeric % 1 <> 0
                             OR (e.value->>'outcome_ms')::numeric NOT BETWEEN 0 AND 9223372036854775807) THEN 'not_integer'
                   WHEN octet_length((e.value->'outcome_data')::text) > 1048576 THEN 'too_large'
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
            RAISE EXCEPTION 'batch item % has an unknown field', bad.position
                USING ERRCODE = 'AN007', HINT = 'Use work_id, lease, outcome_data and outcome_ms.';
        WHEN 'work_id' THEN
            RAISE EXCEPTION 'batch item % lacks a work_id that is a uuid string', bad.position
                USING ERRCODE = 'AN007', HINT = 'Pass the id read_work delivered.';
        WHEN 'mistyped' THEN
            RAISE EXCEPTION 'batch item % has a lease or outcome_ms that is not a number', bad.position
                USING ERRCODE = 'AN007', HINT = 'lease and outcome_ms are integers (or null).';
        WHEN 'not_integer' THEN
            RAISE EXCEPTION 'batch item %: lease must be a whole number in the integer range, outcome_ms a whole number of 0 or more', bad.position
                USING ERRCODE = 'AN008', HINT = 'Pass the lease read_work returned and the duration in milliseconds.';
        ELSE
            RAISE EXCEPTION 'batch item %: outcome_data is over the 1 MiB limit', bad.position
                USING ERRCODE = 'AN006', HINT = 'Store large outputs elsewhere and pass a reference.';
        END CASE;
    END IF;
    SELECT array_agg((e.value->>'work_id')::uuid ORDER BY e.ordinality),
           array_agg(nullif(e.value->'lease', 'null')::integer ORDER BY e.ordinality),
           array_agg(nullif(e.value->'outcome_data', 'null') ORDER BY e.ordinality),
           array_agg(nullif(e.value->'outcome_ms', 'null')::bigint ORDER BY e.ordinality)
    INTO ids, leases, outcomes, durations
    FROM jsonb_array_elements(items) WITH ORDINALITY AS e;
    IF (SELECT count(DISTINCT i) FROM unnest(ids) AS i) < cardinality(ids) THEN
        RAISE EXCEPTION 'a work_id appears more than once in the batch'
            USING ERRCODE = 'AN007', HINT = 'Complete each delivered item once.';
    END IF;

    -- 2. Lock the messages of the running items, queue by queue in name order, each queue's in
    -- msg_id order, never waiting (SKIP LOCKED), and only where the lease is still current. The
    -- items are found by primary key (id = ANY: the planner must not walk a queue's active items).
    FOR q, q_ids, q_msgs, q_leases IN
        SELECT w.queue_name, array_agg(w.id ORDER BY w.pgmq_msg_id), array_agg(w.pgmq_msg_id ORDER BY w.pgmq_msg_id),
               array_agg(r.lease ORDER BY w.pgmq_msg_id)
        FROM animus.work_items w
        JOIN unnest(ids, leases) AS r(id, lease) ON r.id = w.id
        WHERE w.id = ANY (ids) AND w.state = 'running' AND w.pgmq_msg_id IS NOT NULL
        GROUP BY w.queue_name
        ORDER BY w.queue_name
    LOOP
        got_msgs := coalesce(animus._lock_messages(q, q_msgs, q_leases), '{}');
        SELECT locked_ids || array_agg(u.id), locked_msgs || array_agg(u.msg_id),
               locked_queues || array_agg(q)
        INTO locked_ids, locked_msgs, locked_queues
        FROM unnest(q_ids, q_msgs) AS u(id, msg_id)
        WHERE u.msg_id = ANY (got_msgs);
    END LOOP;

    -- 3. Complete the items that are still the running item of the message now locked (every
    -- other writer of an item holds its message's lock, so these rows no longer change under us).
    IF cardinality(locked_ids) > 0 THEN
        WITH done AS (
            UPDATE animus.work_items w
            SET state = 'completed', outcome_data = r.outcome_data, outcome_ms = r.outcome_ms,
                outcome_error = NULL, resolved_at = now(), updated_at = now()
            FROM unnest(ids, outcomes, durations) AS r(id, outcome_data, outcome_ms)
            WHERE w.id = r.id AND r.id = ANY (locked_ids) AND w.state = 'running'
            RETURNING w.id
        )
        SELECT array_agg(done.id) INTO completed_ids FROM done;
        -- 4. Archive exactly their messages (the ones locked in step 2), queue by queue.
        FOR q, q_msgs IN
            SELECT u.queue_name, array_agg(u.msg_id ORDER BY u.msg_id)
            FROM unnest(locked_ids, locked_msgs, locked_queues) AS u(id, msg_id, queue_name)
            WHERE u.id = ANY (completed_ids)
            GROUP BY u.queue_name
            ORDER BY u.queue_name
        LOOP
            PERFORM animus._archive_messages(q, q_msgs);
        END LOOP;
    END IF;
    completed_ids := coalesce(completed_ids, '{}');

    -- 5. Why each other item was not completed. Busy: still running with a current lease and a
    -- message, which another transaction held. Otherwise complete_work's own refusal, whose
    -- SQLSTATE is reported instead of raised (a rare path: one subtransaction per refused item).
    FOR refused IN
        SELECT r.id, r.lease FROM unnest(ids, leases) WITH ORDINALITY AS r(id, lease, position)
        WHERE r.id <> ALL (completed_ids) ORDER BY r.position
    LOOP
        IF EXISTS (SELECT FROM animus.work_items w WHERE w.id = refused.id AND w.state = 'running' AND w.pgmq_msg_id IS NOT NULL)
           AND refused.id <> ALL (locked_ids) THEN
            DECLARE
                msg_read_ct integer;
                item record;
            BEGIN
                SELECT w.queue_name, w.pgmq_msg_id INTO item FROM animus.work_items w WHERE w.id = refused.id;
                EXECUTE format('SELECT read_ct FROM pgmq.%I WHERE msg_id = $1', animus._pgmq_relation(item.queue_name, 'queue'))
                    INTO msg_read_ct USING item.pgmq_msg_id;
                IF msg_read_ct IS NOT NULL AND (refused.lease IS NULL OR msg_read_ct = refused.lease) THEN
                    refusals := refusals || ROW(refused.id, 'busy', NULL)::animus.complete_result;
                    CONTINUE;
                END IF;
            END;
        END IF;
        BEGIN
            PERFORM animus._refuse_settle(refused.id, refused.lease, 'completed');
        EXCEPTION WHEN OTHERS THEN
            refusals := refusals || ROW(refused.id,
                CASE SQLSTATE WHEN 'AN003' THEN 'unknown' WHEN 'AN015' THEN 'lease_lost'
                              WHEN 'AN016' THEN 'cancelled' ELSE 'not_running' END,
                SQLSTATE)::animus.complete_result;
        END;
    END LOOP;

    RETURN QUERY
    SELECT r.id, coalesce(f.status, 'completed'), f.sqlstate
    FROM unnest(ids) WITH ORDINALITY AS r(id, position)
    LEFT JOIN unnest(refusals) AS f ON f.work_id = r.id
    ORDER BY r.position;
END
$$;

COMMENT ON FUNCTION animus.complete_work_batch(jsonb) IS
    'Complete many running items in one call: items is a JSON array of {"work_id", "lease", "outcome_data", '
    '"outcome_ms"} (complete_work''s arguments; lease and the outcome are optional). Returns one complete_result '
    'per item, in input order: completed; busy (another transaction held its message: nothing changed, '
    'settle it again); or refused with the SQLSTATE complete_work would raise (unknown AN003, not_running AN004, '
    'lease_lost AN015, cancelled AN016), which leaves the other items alone. Never waits for a message lock. '
    'Errors (nothing written): AN007 not an array of objects, unknown field, work_id missing or not a uuid, '
    'a work_id twice, mistyped lease/outcome_ms; AN008 over 1000 items, lease or outcome_ms not a whole number '
    'in range (outcome_ms >= 0); AN006 outcome_data over 1 MiB.';
REVOKE EXECUTE ON FUNCTION animus.complete_work_batch(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.complete_work_batch(jsonb) TO animus_app;

COMMIT;
