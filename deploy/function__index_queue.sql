-- Deploy animus:function__index_queue to pg
-- Priority at read (docs/queue.md, "Priority"): the priority travels in the pgmq message
-- ({"work_id": ..., "priority": n}), and read_work orders a queue's visible messages by it, then
-- by msg_id. This index on the queue's pgmq table serves that order, so a read walks the index
-- instead of sorting the backlog. The messages stay ordinary pgmq messages: any pgmq client reads
-- them in its own msg_id order and ignores the key.
-- The expression is built from built-in immutable functions only, so the index depends on
-- nothing in schema animus, and it never raises: a message another client sent without a
-- numeric priority (none, a string, NULL) counts as 0, so an index entry cannot make that
-- client's pgmq.send fail. read_work spells the same expression (a pgTAP test compares them).
-- A plain CREATE INDEX on the queue table: on a partitioned pgmq queue it is created on every
-- partition and on every partition created later.
BEGIN;

CREATE FUNCTION animus._priority_index(queue_name text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Not a pgmq name (pgmq's start with q_, a_ or archived_at_idx_), so no queue's relation
    -- can take it; at most 16 + 47 characters, within the 63 of an identifier.
    RETURN 'animus_priority_' || queue_name;
END
$$;

CREATE FUNCTION animus._index_queue(queue_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Checked first so that the usual case (it exists) raises no "already exists" notice.
    IF to_regclass(format('pgmq.%I', animus._priority_index(_index_queue.queue_name))) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON pgmq.%I '
        '((CASE WHEN jsonb_typeof(message->''priority'') = ''number'' THEN (message->''priority'')::numeric ELSE 0 END) DESC, msg_id)',
        animus._priority_index(_index_queue.queue_name), animus._pgmq_relation(_index_queue.queue_name, 'queue'));
END
$$;

COMMENT ON FUNCTION animus._priority_index(text) IS
    'Private. The name of the priority index on a queue''s pgmq table (schema pgmq).';
COMMENT ON FUNCTION animus._index_queue(text) IS
    'Private. Create (if missing) the index read_work''s priority order uses on the queue''s pgmq table: '
    'the message''s numeric "priority" (anything else counts as 0) descending, then msg_id. '
    'Idempotent; create_queue calls it, and an operator may call it again after a restore that skipped indexes.';
REVOKE EXECUTE ON FUNCTION animus._priority_index(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._index_queue(text) FROM PUBLIC;

COMMIT;
