-- Deploy animus:function__create_pgmq to pg
-- The pgmq side of animus.create_queue: a plain pgmq queue, or a partitioned one through
-- pg_partman (pgmq.create_partitioned, which drives both pg_partman 4.x, Debian 12's, and 5.x).
--
-- Partition names. pg_partman names the partitions of pgmq.q_<name> q_<name>_p<lower bound>
-- (msg ids) or q_<name>_p<date> (time), plus q_<name>_default, their indexes after them, and
-- pgmq adds q_<name>_part_idx; the same for a_<name>. Another queue whose name starts with
-- <name>_p<digit>, <name>_default or <name>_part_ would own tables of those names, and
-- pg_partman's next maintenance would fail on the clash for good. Both orders are refused.
--
-- Retention. pg_partman drops whole partitions past their retention whether or not their
-- messages were read, so a queued or running item can lose its message. animus.reconcile
-- settles such items (dead, with the reason); animus.purge runs it. The bound below (retention
-- at least one partition) only keeps the partition before the current one: how long an item
-- may legitimately wait (backlog, delays, retries, leases) is not known in advance, so no
-- retention can be proved long enough, and reconcile is the guarantee (docs/queue.md).
BEGIN;

CREATE FUNCTION animus._partition_spec(partition_interval text, retention_interval text)
    RETURNS TABLE (by_msg_id boolean, part text, keep text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part_n bigint;
    keep_n bigint;
    part_i interval;
    keep_i interval;
BEGIN
    part := coalesce(btrim(_partition_spec.partition_interval), '10000');
    keep := btrim(_partition_spec.retention_interval);
    -- A whole number is a count of msg ids (partitions by msg_id), anything else an interval
    -- of enqueued_at: the rule pgmq.create_partitioned applies.
    by_msg_id := part ~ '^[0-9]{1,18}$';
    IF by_msg_id THEN
        part_n := part::bigint;
        -- pgmq reads the interval as an integer; below 10 a partition holds too few messages to
        -- be worth a table, and pg_partman releases differ in their own lower limit.
        IF part_n NOT BETWEEN 10 AND 2147483647 THEN
            RAISE EXCEPTION 'partition_interval must be between 10 and 2147483647 msg ids, got %', part
                USING ERRCODE = 'AN035', HINT = 'For example ''10000'' (the default) msg ids per partition, or an interval such as ''1 day''.';
        END IF;
        IF keep IS NULL THEN
            keep_n := part_n * 10;
        ELSIF keep ~ '^[0-9]{1,18}$' THEN
            keep_n := keep::bigint;
        ELSE
            RAISE EXCEPTION 'retention_interval % must be a number of msg ids, like partition_interval %', quote_literal(keep), part
                USING ERRCODE = 'AN035', HINT = 'Give both as msg id counts (''10000'', ''100000'') or both as intervals (''1 day'', ''7 days'').';
        END IF;
        IF keep_n < part_n THEN
            RAISE EXCEPTION 'retention_interval % is shorter than one partition (%)', keep_n, part_n
                USING ERRCODE = 'AN035', HINT = 'Keep at least one partition: retention_interval >= partition_interval (the default is 10 partitions).';
        END IF;
        part := part_n::text;
        keep := keep_n::text;
        RETURN NEXT;
        RETURN;
    END IF;
    BEGIN
        part_i := part::interval;
        keep_i := coalesce(keep::interval, part_i * 10);
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'partition_interval % and retention_interval % must both be msg id counts or both intervals',
                        quote_literal(part), coalesce(quote_literal(keep), 'NULL')
            USING ERRCODE = 'AN035', HINT = 'For example ''10000'' and ''100000'' (msg ids), or ''1 day'' and ''7 days''.';
    END;
    IF part_i < interval '1 minute' THEN
        RAISE EXCEPTION 'partition_interval % is shorter than 1 minute', part
            USING ERRCODE = 'AN035', HINT = 'pg_partman''s background worker runs every minute at most; use ''1 hour'' or ''1 day''.';
    END IF;
    IF keep ~ '^[0-9]{1,18}$' OR keep_i < part_i THEN
        RAISE EXCEPTION 'retention_interval % must be an interval of at least one partition (%)', keep, part
            USING ERRCODE = 'AN035', HINT = 'Keep at least one partition: retention_interval >= partition_interval (the default is 10 partitions).';
    END IF;
    part := part_i::text;
    keep := keep_i::text;
    RETURN NEXT;
END
$$;

CREATE FUNCTION animus._create_pgmq(queue_name text, partitioned boolean DEFAULT false,
                                    partition_interval text DEFAULT NULL, retention_interval text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    spec record;
    clash text;
    qtable text := animus._pgmq_relation(_create_pgmq.queue_name, 'queue');
    atable text := animus._pgmq_relation(_create_pgmq.queue_name, 'archive');
BEGIN
    -- Queue names are [a-z0-9_] (animus._check_queue), so they are safe inside a regex.
    SELECT m.queue_name INTO clash FROM pgmq.meta m
    WHERE m.is_partitioned AND m.queue_name <> _create_pgmq.queue_name
      AND _create_pgmq.queue_name ~ ('^' || m.queue_name || '_(p[0-9]|default|part_)')
    ORDER BY m.queue_name LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'queue name % collides with the partitions of the partitioned queue %',
                        quote_literal(_create_pgmq.queue_name), quote_literal(clash)
            USING ERRCODE = 'AN001',
                  HINT = format('pg_partman names the partitions of %s %s_p<n> and %s_default: choose another name.', clash, clash, clash);
    END IF;
    IF NOT coalesce(_create_pgmq.partitioned, false) THEN
        IF _create_pgmq.partition_interval IS NOT NULL OR _create_pgmq.retention_interval IS NOT NULL THEN
            RAISE EXCEPTION 'partition_interval and retention_interval apply only to a partitioned queue'
                USING ERRCODE = 'AN035', HINT = 'Add partitioned => true, or leave both out.';
        END IF;
        PERFORM pgmq.create(_create_pgmq.queue_name);
        RETURN;
    END IF;
    SELECT * INTO spec FROM animus._partition_spec(_create_pgmq.partition_interval, _create_pgmq.retention_interval);
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_partman') THEN
        RAISE EXCEPTION 'partitioned queues need pg_partman, which is not installed in this database'
            USING ERRCODE = 'AN034',
                  HINT = 'Install postgresql-NN-partman (script/setup does where the distribution has it), then deploy again '
                         '(the change extension_pg_partman creates it), or create the queue without partitioned => true.';
    END IF;
    SELECT m.queue_name INTO clash FROM pgmq.meta m
    WHERE m.queue_name ~ ('^' || _create_pgmq.queue_name || '_(p[0-9]|default|part_)')
    ORDER BY m.queue_name LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'the partitions of queue % would collide with the tables of queue %',
                        quote_literal(_create_pgmq.queue_name), quote_literal(clash)
            USING ERRCODE = 'AN001',
                  HINT = format('pg_partman would name partitions %s_p<n> and %s_default: choose another name.',
                                _create_pgmq.queue_name, _create_pgmq.queue_name);
    END IF;
    PERFORM pgmq.create_partitioned(_create_pgmq.queue_name, spec.part, spec.keep);
    -- animus finds messages by msg_id (settling, reconcile, purge): pgmq indexes only the
    -- partition key, so index msg_id where it is not the key. On a partitioned parent the index
    -- reaches every partition, present and future.
    IF NOT spec.by_msg_id THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (msg_id)', qtable || '_part_msg_idx', qtable);
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (msg_id)', atable || '_part_msg_idx', atable);
    -- pg_partman's create_parent sets search_path with a session-wide set_config and restores
    -- the value it saw, which inside this function is pg_catalog, pg_temp; a session-wide SET
    -- outlives the function's SET clause, so the caller would be left with that search_path.
    -- The caller's own value is out of reach from here: restore the session's default, last, so that
    -- nothing of this function runs under it (pg_catalog is searched first all the same).
    PERFORM set_config('search_path', (SELECT s.reset_val FROM pg_settings s WHERE s.name = 'search_path'), false);
END
$$;

CREATE FUNCTION animus._check_queue_layout(queue_name text, partitioned boolean DEFAULT false,
                                           partition_interval text DEFAULT NULL, retention_interval text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    is_partitioned boolean;
    spec record;
    current_part text;
    current_keep text;
BEGIN
    IF NOT coalesce(_check_queue_layout.partitioned, false) THEN
        -- The plain call (create_queue(name)) is the idempotent "make sure it exists" of
        -- workers and agents: it accepts either layout. Intervals without partitioned are AN035.
        IF _check_queue_layout.partition_interval IS NOT NULL OR _check_queue_layout.retention_interval IS NOT NULL THEN
            RAISE EXCEPTION 'partition_interval and retention_interval apply only to a partitioned queue'
                USING ERRCODE = 'AN035', HINT = 'Add partitioned => true, or leave both out.';
        END IF;
        RETURN;
    END IF;
    SELECT m.is_partitioned INTO is_partitioned FROM pgmq.meta m WHERE m.queue_name = _check_queue_layout.queue_name;
    IF NOT coalesce(is_partitioned, false) THEN
        PERFORM animus._partition_spec(_check_queue_layout.partition_interval, _check_queue_layout.retention_interval);
        RAISE EXCEPTION 'queue % exists and is not partitioned', quote_literal(_check_queue_layout.queue_name)
            USING ERRCODE = 'AN036',
                  HINT = 'A queue keeps the layout it was created with: create a new partitioned queue and move the producers to it.';
    END IF;
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_partman') THEN
        EXECUTE format('SELECT c.partition_interval, c.retention FROM %I.part_config c WHERE c.parent_table = $1',
                       (SELECT e.extnamespace::regnamespace::text FROM pg_extension e WHERE e.extname = 'pg_partman'))
            INTO current_part, current_keep
            USING format('pgmq.%I', animus._pgmq_relation(_check_queue_layout.queue_name, 'queue'));
    END IF;
    -- A retention alone is checked against the queue's own partition interval.
    SELECT * INTO spec FROM animus._partition_spec(coalesce(_check_queue_layout.partition_interval, current_part),
                                                   _check_queue_layout.retention_interval);
    -- Only what the call names is compared (an interval left out means "as it is"), as values:
    -- pg_partman stores '1 day' as given and '1 hour' as '01:00:00'.
    IF current_part IS NOT NULL AND (
           (_check_queue_layout.partition_interval IS NOT NULL
            AND (spec.by_msg_id IS DISTINCT FROM (current_part ~ '^[0-9]+$')
                 OR (spec.by_msg_id AND current_part::bigint <> spec.part::bigint)
                 OR (NOT spec.by_msg_id AND current_part::interval <> spec.part::interval)))
        OR (_check_queue_layout.retention_interval IS NOT NULL
            AND (current_keep IS NULL
                 OR (current_keep ~ '^[0-9]+$') IS DISTINCT FROM (spec.keep ~ '^[0-9]+$')
                 OR (spec.keep ~ '^[0-9]+$' AND current_keep::bigint <> spec.keep::bigint)
                 OR (spec.keep !~ '^[0-9]+$' AND current_keep::interval <> spec.keep::interval)))) THEN
        RAISE EXCEPTION 'queue % exists with partition_interval % and retention_interval %',
                        quote_literal(_check_queue_layout.queue_name), current_part, coalesce(current_keep, 'none')
            USING ERRCODE = 'AN036',
                  HINT = 'Call create_queue with the same intervals (or only partitioned => true); pg_partman''s part_config holds them.';
    END IF;
END
$$;

COMMENT ON FUNCTION animus._partition_spec(text, text) IS
    'Private. Validates and normalises the partition and retention intervals of a partitioned queue: both '
    'msg id counts (10..2147483647; the default 10000, retention 10 partitions) or both intervals (>= 1 minute); '
    'retention at least one partition. Errors: AN035.';
COMMENT ON FUNCTION animus._create_pgmq(text, boolean, text, text) IS
    'Private. Creates the pgmq queue of an animus queue: pgmq.create, or pgmq.create_partitioned through '
    'pg_partman with msg_id indexes. Errors: AN001 a name that collides with a partitioned queue''s partitions '
    '(either way), AN034 pg_partman missing, AN035 bad intervals.';
COMMENT ON FUNCTION animus._check_queue_layout(text, boolean, text, text) IS
    'Private. For create_queue on an existing queue: a partitioned request must match its layout. '
    'Errors: AN035 bad intervals, AN036 the queue is unpartitioned or has other intervals.';
REVOKE EXECUTE ON FUNCTION animus._partition_spec(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._create_pgmq(text, boolean, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._check_queue_layout(text, boolean, text, text) FROM PUBLIC;

COMMIT;
