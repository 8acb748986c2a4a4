-- Deploy animus:function__queue_routes to pg
-- Reaching a queue's pgmq table without planning a statement per call (docs/queue.md,
-- "Throughput"). pgmq gives every queue tables of its own, so a function that touches "the
-- queue's table" must name it in dynamic SQL, and PL/pgSQL parses, analyses and plans an
-- EXECUTE'd statement on every call: a quarter of submit_work's server time, and two fifths of
-- read_work plus complete_work's. A static statement in a PL/pgSQL function is planned once per
-- session and then reused. So five private functions hold one static branch per queue, found
-- by a binary search on the name, and animus._route_queues writes them again from
-- animus.queues whenever a queue is created:
--   _send_message      write a message (submit_work)
--   _read_messages     take the next messages in priority order (read_work)
--   _archive_message   archive one message, under its lease (complete_work)
--   _lock_messages     lock many messages under their leases, never waiting (complete_work_batch)
--   _archive_messages  archive many messages (complete_work_batch)
-- Queues beyond max_routes, or created behind animus's back, take the dynamic statement at the
-- end of each function, which does the same thing: the branches change the cost, never the
-- result. The same pattern routed rows to partitions in pg_partman's trigger-based
-- partitioning (a static INSERT for each recent partition, dynamic SQL for the rest).
-- The static statements are written so that their generic plans (what a session reuses) are
-- the right ones: the read locks the next messages in an ARRAY(...) sub-select and updates
-- them by primary key, where a join would be planned for a tenth of the table.
BEGIN;

-- Placeholders with the final signatures; animus._route_queues below writes the bodies.
CREATE FUNCTION animus._send_message(queue_name text, msg_id bigint, delay_seconds integer,
                                     message jsonb, headers jsonb)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'animus._send_message has not been generated' USING ERRCODE = 'AN000';
END
$$;

CREATE FUNCTION animus._read_messages(queue_name text, vt_seconds integer, qty integer)
    RETURNS TABLE (msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz,
                   work_id uuid, msg_priority numeric)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER ROWS 10
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'animus._read_messages has not been generated' USING ERRCODE = 'AN000';
END
$$;

CREATE FUNCTION animus._archive_message(queue_name text, msg_id bigint, lease integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'animus._archive_message has not been generated' USING ERRCODE = 'AN000';
END
$$;

CREATE FUNCTION animus._lock_messages(queue_name text, msg_ids bigint[], leases integer[])
    RETURNS bigint[]
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'animus._lock_messages has not been generated' USING ERRCODE = 'AN000';
END
$$;

CREATE FUNCTION animus._archive_messages(queue_name text, msg_ids bigint[])
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'animus._archive_messages has not been generated' USING ERRCODE = 'AN000';
END
$$;

-- Each statement of the five functions, written once: the static branches and the dynamic
-- fallback both take their text from here, so the two paths cannot drift apart. kind is one of
-- the six below; args are the references to the arguments, in the order given below (the
-- function's parameter names for a branch, $1.. for EXECUTE ... USING). The statements:
--   none_ready (no arguments): the expression "no message of the queue is ready", for send and
--     for submit_work_batch's wake-up check.
--   send (msg_id, delay_seconds, message, headers): write the message, and answer whether it is
--     the first ready one. "Is any message ready" is asked as "is the earliest vt past":
--     min(vt) reads the first live entry of the vt index. EXISTS (vt <= clock_timestamp())
--     cannot use the index (the bound is volatile) and scanned the heap from its start, through
--     every message the workers archived since the last vacuum. The SELECT does not see the
--     row its WITH inserts (docs/queue.md, "Push wake-ups").
--   read (vt_seconds, qty): pgmq.read's statement (SKIP LOCKED, hidden for vt_seconds) in the
--     priority order of the queue's index (animus._index_queue, spelled exactly). The next
--     messages are locked in an ARRAY(...) sub-select and updated by primary key: as a join
--     with the locked sub-select, the generic plan a session reuses scans the whole queue.
--   archive (msg_id, lease): pgmq.archive's statement, under the lease (read_ct) when given.
--   lock_many (msg_ids, leases): lock the messages whose read_ct is still their lease (any
--     read_ct where the lease is NULL), in msg_id order, skipping those another transaction
--     holds; answers the locked ids (NULL for none). With msg_id = ANY the plan is one walk of
--     the primary key, already in msg_id order (no join with unnest(...), no sort). array_position
--     finds a message's lease: linear, but batches are at most 1000 items, searched in memory.
--   archive_many (msg_ids): pgmq.archive's statement for many messages.
CREATE FUNCTION animus._queue_statement(kind text, queue_name text, args text[])
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q text := animus._pgmq_relation(queue_name, 'queue');
    prio constant text := '(CASE WHEN jsonb_typeof(%1$s.message->''priority'') = ''number'' '
                          'THEN (%1$s.message->''priority'')::numeric ELSE 0 END)';
BEGIN
    CASE kind
    WHEN 'send' THEN
        RETURN format(
            'WITH sent AS (INSERT INTO pgmq.%1$I (msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers) '
            'OVERRIDING SYSTEM VALUE VALUES (%2$s, 0, now(), NULL, clock_timestamp() + make_interval(secs => %3$s), %4$s, %5$s)) '
            'SELECT %3$s = 0 AND %6$s',
            q, args[1], args[2], args[3], args[4], animus._queue_statement('none_ready', queue_name, '{}'));
    WHEN 'none_ready' THEN
        RETURN format('NOT coalesce((SELECT min(m.vt) FROM pgmq.%I m) <= clock_timestamp(), false)', q);
    WHEN 'read' THEN
        RETURN format(
            'UPDATE pgmq.%1$I m '
            'SET last_read_at = clock_timestamp(), vt = clock_timestamp() + make_interval(secs => %2$s), read_ct = m.read_ct + 1 '
            'WHERE m.msg_id = ANY (ARRAY(SELECT n.msg_id FROM pgmq.%1$I n WHERE n.vt <= clock_timestamp() '
            'ORDER BY %4$s DESC, n.msg_id LIMIT %3$s FOR UPDATE SKIP LOCKED)) '
            'RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.vt, (m.message->>''work_id'')::uuid, %5$s',
            q, args[1], args[2], format(prio, 'n'), format(prio, 'm'));
    WHEN 'archive' THEN
        RETURN format(
            'WITH archived AS (DELETE FROM pgmq.%1$I m WHERE m.msg_id = %3$s AND (%4$s IS NULL OR m.read_ct = %4$s) '
            'RETURNING m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.last_read_at, m.message, m.headers) '
            'INSERT INTO pgmq.%2$I (msg_id, vt, read_ct, enqueued_at, last_read_at, archived_at, message, headers) '
            'SELECT a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.last_read_at, now(), a.message, a.headers FROM archived a',
            q, animus._pgmq_relation(queue_name, 'archive'), args[1], args[2]);
    WHEN 'lock_many' THEN
        RETURN format(
            'SELECT array_agg(l.msg_id) FROM (SELECT m.msg_id FROM pgmq.%1$I m WHERE m.msg_id = ANY (%2$s) '
            'AND coalesce(m.read_ct = %3$s[array_position(%2$s, m.msg_id)], true) '
            'ORDER BY m.msg_id FOR UPDATE OF m SKIP LOCKED) AS l',
            q, args[1], args[2]);
    WHEN 'archive_many' THEN
        RETURN format(
            'WITH archived AS (DELETE FROM pgmq.%1$I m WHERE m.msg_id = ANY (%3$s) '
            'RETURNING m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.last_read_at, m.message, m.headers) '
            'INSERT INTO pgmq.%2$I (msg_id, vt, read_ct, enqueued_at, last_read_at, archived_at, message, headers) '
            'SELECT a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.last_read_at, now(), a.message, a.headers FROM archived a',
            q, animus._pgmq_relation(queue_name, 'archive'), args[1]);
    ELSE
        RAISE EXCEPTION 'unknown queue statement %', quote_nullable(kind) USING ERRCODE = 'AN000';
    END CASE;
END
$$;

-- The branches for names[lo..hi] as nested IFs on <fn>.queue_name: a comparison per level,
-- then the leaf: the format() template leaf with the queue's statement of that kind (written
-- with the function's own arguments) for its one %s. animus._route_function makes the leaf.
CREATE FUNCTION animus._route_tree(fn text, names text[], lo integer, hi integer, kind text, args text[],
                                   leaf text, indent text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mid integer;
BEGIN
    IF lo > hi THEN
        RETURN '';
    END IF;
    IF lo = hi THEN
        RETURN format('%sIF %s.queue_name = %L THEN', indent, fn, names[lo]) || chr(10)
            || indent || '    ' || format(leaf, animus._queue_statement(kind, names[lo], args)) || chr(10)
            || indent || 'END IF;' || chr(10);
    END IF;
    mid := (lo + hi + 1) / 2;
    RETURN format('%sIF %s.queue_name < %L COLLATE "C" THEN', indent, fn, names[mid]) || chr(10)
        || animus._route_tree(fn, names, lo, mid - 1, kind, args, leaf, indent || '    ')
        || indent || 'ELSE' || chr(10)
        || animus._route_tree(fn, names, mid, hi, kind, args, leaf, indent || '    ')
        || indent || 'END IF;' || chr(10);
END
$$;

-- The CREATE statement of one routed function: its branches for names, then the dynamic path.
-- args are the names of the arguments the statement kind takes (a branch refers to them as
-- <fn>.<arg>, the dynamic path passes them as $1..). mode says what the statement is to the
-- function: 'query' (its rows are the result), 'into' (its one value goes to the variable var,
-- of type var_type), 'exec' (it is run). tail ends the branch and the dynamic path alike.
-- fallback_check runs on the dynamic path only, before the statement.
CREATE FUNCTION animus._route_function(names text[], fn text, params text, returns text, attrs text,
                                       var text, var_type text, kind text, args text[], mode text,
                                       tail text, fallback_check text DEFAULT '')
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nl constant text := chr(10);
    branch_args text[] := ARRAY(SELECT fn || '.' || a FROM unnest(args) AS a);
    dynamic_args text := (SELECT string_agg('$' || i, ', ') FROM generate_series(1, cardinality(args)) AS i);
    leaf text;
    dynamic text;
BEGIN
    IF mode NOT IN ('query', 'into', 'exec') THEN
        RAISE EXCEPTION 'unknown route mode %', quote_nullable(mode) USING ERRCODE = 'AN000';
    END IF;
    dynamic := format('EXECUTE animus._queue_statement(%L, %s.queue_name, %L)', kind, fn, '{' || dynamic_args || '}');
    CASE mode
    WHEN 'query' THEN
        leaf := 'RETURN QUERY %s;';
        dynamic := 'RETURN QUERY ' || dynamic;
    WHEN 'into' THEN
        leaf := '%s INTO ' || var || ';';
        dynamic := dynamic || nl || '        INTO ' || var;
    ELSE
        leaf := '%s;';
    END CASE;
    dynamic := dynamic || nl || '        USING ' || array_to_string(branch_args, ', ') || ';';
    RETURN format(
        'CREATE OR REPLACE FUNCTION animus.%1$s(%2$s)' || nl ||
        '    RETURNS %3$s' || nl ||
        '    LANGUAGE plpgsql VOLATILE SECURITY DEFINER%4$s' || nl ||
        '    SET search_path = pg_catalog, pg_temp' || nl ||
        'AS $body$' || nl ||
        '-- Generated by animus._route_queues(): do not edit.' || nl ||
        '#variable_conflict use_column' || nl ||
        '%5$s' ||
        'BEGIN' || nl || '%6$s' ||
        '    -- Any other queue: the same statement, planned for this call.' || nl ||
        '%7$s' ||
        '    %8$s' || nl ||
        '    %9$s' || nl ||
        'END' || nl || '$body$',
        fn, params, returns, attrs,
        CASE WHEN var IS NOT NULL THEN 'DECLARE' || nl || '    ' || var || ' ' || var_type || ';' || nl ELSE '' END,
        animus._route_tree(fn, names, 1, cardinality(names), kind, branch_args,
                           leaf || nl || '        ' || replace(tail, nl, nl || '        '), '    '),
        fallback_check, dynamic, replace(tail, nl, nl || '    '));
END
$$;

CREATE FUNCTION animus._route_queues(max_routes integer DEFAULT 256)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    names text[];
    nl constant text := chr(10);
BEGIN
    IF max_routes IS NULL OR max_routes < 0 OR max_routes > 4096 THEN
        RAISE EXCEPTION 'max_routes must be between 0 and 4096, got %', coalesce(max_routes::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'The default is 256 queues with branches of their own.';
    END IF;
    -- One writer at a time: two sessions replacing a function at once would fail with
    -- "tuple concurrently updated". The second waits here, then reads the queues the first
    -- committed (a new statement's snapshot under READ COMMITTED).
    PERFORM pg_advisory_xact_lock(hashtext('animus._route_queues'));
    -- The newest queues get the branches; the names are sorted bytewise for the search.
    SELECT coalesce(array_agg(r.queue_name ORDER BY r.queue_name COLLATE "C"), '{}') INTO names
    FROM (SELECT q.queue_name
          FROM animus.queues q
          WHERE to_regclass(format('pgmq.%I', animus._pgmq_relation(q.queue_name, 'queue'))) IS NOT NULL
            AND to_regclass(format('pgmq.%I', animus._pgmq_relation(q.queue_name, 'archive'))) IS NOT NULL
          ORDER BY q.created_at DESC, q.queue_name
          LIMIT _route_queues.max_routes) AS r;

    EXECUTE animus._route_function(names, '_send_message',
        'queue_name text, msg_id bigint, delay_seconds integer, message jsonb, headers jsonb', 'boolean', '',
        'ready', 'boolean', 'send', '{msg_id, delay_seconds, message, headers}', 'into', 'RETURN ready;',
        '    -- Not routed: maybe not an animus queue at all (a pgmq queue made by pgmq.create).' || nl ||
        '    IF NOT EXISTS (SELECT FROM animus.queues q WHERE q.queue_name = _send_message.queue_name) THEN' || nl ||
        '        PERFORM animus._check_queue(_send_message.queue_name);' || nl ||
        '    END IF;' || nl);
    EXECUTE animus._route_function(names, '_read_messages', 'queue_name text, vt_seconds integer, qty integer',
        'TABLE (msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, work_id uuid, msg_priority numeric)',
        ' ROWS 10', NULL, NULL, 'read', '{vt_seconds, qty}', 'query', 'RETURN;');
    EXECUTE animus._route_function(names, '_archive_message', 'queue_name text, msg_id bigint, lease integer',
        'integer', '', 'archived_rows', 'integer', 'archive', '{msg_id, lease}', 'exec',
        'GET DIAGNOSTICS archived_rows = ROW_COUNT;' || nl || 'RETURN archived_rows;');
    EXECUTE animus._route_function(names, '_lock_messages', 'queue_name text, msg_ids bigint[], leases integer[]',
        'bigint[]', '', 'locked', 'bigint[]', 'lock_many', '{msg_ids, leases}', 'into', 'RETURN locked;');
    EXECUTE animus._route_function(names, '_archive_messages', 'queue_name text, msg_ids bigint[]',
        'integer', '', 'archived_rows', 'integer', 'archive_many', '{msg_ids}', 'exec',
        'GET DIAGNOSTICS archived_rows = ROW_COUNT;' || nl || 'RETURN archived_rows;');
    RETURN cardinality(names);
END
$$;

-- The queues that have a branch now, read back from _send_message's source (the leaf's
-- comparison, written by _route_tree above): for tests and for operators who wonder.
CREATE FUNCTION animus._routed_queues()
    RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m[1]
    FROM pg_proc p, regexp_matches(p.prosrc, '_send_message\.queue_name = ''([a-z0-9_]+)'' THEN', 'g') AS m
    WHERE p.oid = 'animus._send_message(text, bigint, integer, jsonb, jsonb)'::regprocedure
$$;

COMMENT ON FUNCTION animus._send_message(text, bigint, integer, jsonb, jsonb) IS
    'Private, generated by animus._route_queues. Write one message into the queue''s pgmq table '
    '(msg_id from the queue''s sequence, visible after delay_seconds, headers may be NULL) and say '
    'whether it is the only ready message (delay 0 and none was ready before), the cue to wake '
    'listening workers. A static branch per queue (a plan cached per session); dynamic SQL for the rest.';
COMMENT ON FUNCTION animus._read_messages(text, integer, integer) IS
    'Private, generated by animus._route_queues. Take up to qty visible messages of the queue '
    '(higher priority first, then msg_id; SKIP LOCKED), hide them for vt_seconds and count the read; '
    'returns each with its work_id and priority. A static branch per queue; dynamic SQL for the rest.';
COMMENT ON FUNCTION animus._archive_message(text, bigint, integer) IS
    'Private, generated by animus._route_queues. Move the message to the queue''s archive when its '
    'read_ct equals lease (any read_ct when lease is NULL); returns 1 if it did, 0 if not. '
    'A static branch per queue; dynamic SQL for the rest.';
COMMENT ON FUNCTION animus._lock_messages(text, bigint[], integer[]) IS
    'Private, generated by animus._route_queues. Lock the messages msg_ids whose read_ct equals their '
    'lease (leases[i] for msg_ids[i]; any read_ct where it is NULL), in msg_id order, skipping those '
    'another transaction holds (SKIP LOCKED); returns the ids it locked, NULL for none. '
    'A static branch per queue; dynamic SQL for the rest.';
COMMENT ON FUNCTION animus._archive_messages(text, bigint[]) IS
    'Private, generated by animus._route_queues. Move the messages msg_ids to the queue''s archive; '
    'returns how many it moved. A static branch per queue; dynamic SQL for the rest.';
COMMENT ON FUNCTION animus._route_queues(integer) IS
    'Private. Write animus._send_message, _read_messages, _archive_message, _lock_messages and '
    '_archive_messages again with a static '
    'branch for each of the max_routes (default 256) newest queues whose pgmq tables exist; returns '
    'how many got one. create_queue calls it for each new queue. Errors: AN008 max_routes outside 0..4096.';
COMMENT ON FUNCTION animus._route_function(text[], text, text, text, text, text, text, text, text[], text, text, text) IS
    'Private. The CREATE statement of one routed function: a branch per name, then the dynamic path. '
    'Errors: AN000 unknown mode.';
COMMENT ON FUNCTION animus._route_tree(text, text[], integer, integer, text, text[], text, text) IS
    'Private. The nested IF statements of a routed function''s binary search over names[lo..hi].';
COMMENT ON FUNCTION animus._queue_statement(text, text, text[]) IS
    'Private. The SQL of a routed statement (kind send, none_ready, read, archive, lock_many or archive_many) on the queue''s pgmq tables, '
    'with args as the argument references; one text for the static branches and the dynamic path. '
    'Errors: AN000 unknown kind.';
COMMENT ON FUNCTION animus._routed_queues() IS
    'Private. The queues that have a static branch in animus._send_message (and the other routed functions).';
REVOKE EXECUTE ON FUNCTION animus._send_message(text, bigint, integer, jsonb, jsonb) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._read_messages(text, integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._archive_message(text, bigint, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._lock_messages(text, bigint[], integer[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._archive_messages(text, bigint[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._route_queues(integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._route_tree(text, text[], integer, integer, text, text[], text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._route_function(text[], text, text, text, text, text, text, text, text[], text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._queue_statement(text, text, text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._routed_queues() FROM PUBLIC;

-- PERFORM, not SELECT: psql would print the count between Sqitch's progress dots.
DO $$ BEGIN PERFORM animus._route_queues(); END $$;

COMMIT;
