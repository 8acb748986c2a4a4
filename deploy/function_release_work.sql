-- Deploy animus:function_release_work to pg
-- A worker that cannot run an item at all (no handler for its type, a handler that cannot be
-- imported, a missing API key) hands it back with release_work instead of fail_work: the
-- delivery is not counted as an attempt, so a misconfigured worker never dead-letters a healthy
-- item; the reason is kept in animus.work_attempts (kind handed_back) and outcome_error, where an
-- operator sees it. Lock order (docs/queue.md, "Concurrency"): the message first (FOR UPDATE,
-- with the lease check), then the item, as fail_work.
BEGIN;

CREATE FUNCTION animus.release_work(work_id uuid, reason text, delay_seconds integer DEFAULT 0,
                                    lease integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    item record;
    locked bigint;
    released_attempt integer;
BEGIN
    IF coalesce(release_work.reason, '') = '' THEN
        RAISE EXCEPTION 'a release needs a reason'
            USING ERRCODE = 'AN008', HINT = 'Say why the worker could not run the item, e.g. ''no handler for type x''.';
    END IF;
    IF octet_length(release_work.reason) > 4096 THEN
        RAISE EXCEPTION 'reason is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Keep the reason short; send the full trace to your logs.';
    END IF;
    IF release_work.delay_seconds IS NULL OR release_work.delay_seconds < 0 THEN
        RAISE EXCEPTION 'delay_seconds must be 0 or more, got %', coalesce(release_work.delay_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to make the item visible again at once.';
    END IF;
    SELECT w.queue_name, w.pgmq_msg_id INTO item
    FROM animus.work_items w WHERE w.id = release_work.work_id AND w.state = 'running';
    IF FOUND THEN
        EXECUTE format('SELECT FROM pgmq.%I WHERE msg_id = $1 AND ($2::integer IS NULL OR read_ct = $2) FOR UPDATE',
                       animus._pgmq_relation(item.queue_name, 'queue'))
            USING item.pgmq_msg_id, release_work.lease;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked > 0 THEN
            UPDATE animus.work_items w
            SET state = 'queued',
                attempts = greatest(w.attempts - 1, 0),
                outcome_error = release_work.reason,
                updated_at = now()
            WHERE w.id = release_work.work_id AND w.state = 'running' AND w.pgmq_msg_id = item.pgmq_msg_id
            RETURNING w.attempts + 1 INTO released_attempt;
            IF FOUND THEN
                INSERT INTO animus.work_attempts (work_id, attempt, kind, error)
                VALUES (release_work.work_id, released_attempt, 'handed_back', release_work.reason);
                EXECUTE format('UPDATE pgmq.%I SET vt = clock_timestamp() + make_interval(secs => $2) WHERE msg_id = $1',
                               animus._pgmq_relation(item.queue_name, 'queue'))
                    USING item.pgmq_msg_id, release_work.delay_seconds;
                RETURN 'queued';
            END IF;
        END IF;
    END IF;
    PERFORM animus._refuse_settle(release_work.work_id, release_work.lease, 'released');
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION animus.release_work(uuid, text, integer, integer) IS
    'Hand a running item back without consuming an attempt (the worker could not run it: no handler for its type, '
    'a setup error). It is queued again, visible after delay_seconds; attempts goes back down by one; reason is kept '
    'in outcome_error and recorded in animus.work_attempts (kind handed_back). Returns queued. Pass the lease read_work '
    'returned. Errors: AN003 unknown work item, AN004 not running, AN006 reason over 4096 bytes, AN008 empty reason '
    'or negative delay, AN015 lease lost, AN016 the item was cancelled.';
REVOKE EXECUTE ON FUNCTION animus.release_work(uuid, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.release_work(uuid, text, integer, integer) TO animus_app;

COMMIT;
