-- Revert animus:function__pgmq_relation from pg: back to the PL/pgSQL function of @v0.3.0.
BEGIN;

-- animus writes pgmq's tables directly on its hot paths (one INSERT instead of pgmq.send's
-- wrapper layers), so it must know pgmq's naming scheme. This is the one place that knows it:
-- pgmq 1.13's create_non_partitioned names a queue's relations as below. function__check_pgmq
-- refuses, at deploy time, a pgmq whose layout has not been checked against this list.
CREATE OR REPLACE FUNCTION animus._pgmq_relation(queue_name text, kind text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE kind
        WHEN 'queue' THEN 'q_' || queue_name
        WHEN 'archive' THEN 'a_' || queue_name
        WHEN 'msg_id_seq' THEN 'q_' || queue_name || '_msg_id_seq'
        WHEN 'queue_pkey' THEN 'q_' || queue_name || '_pkey'
        WHEN 'archive_pkey' THEN 'a_' || queue_name || '_pkey'
        WHEN 'vt_index' THEN 'q_' || queue_name || '_vt_idx'
        WHEN 'archived_at_index' THEN 'archived_at_idx_' || queue_name
        ELSE animus._pgmq_relation_unknown_kind(kind)
    END;
END
$$;

-- Kept apart so that the CASE above stays a plain expression.
CREATE OR REPLACE FUNCTION animus._pgmq_relation_unknown_kind(kind text)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'unknown pgmq relation kind %', quote_nullable(kind)
        USING ERRCODE = 'AN000',
              HINT = 'Use one of: queue, archive, msg_id_seq, queue_pkey, archive_pkey, vt_index, archived_at_index.';
END
$$;

-- Every relation pgmq creates for one queue, for collision checks.
CREATE OR REPLACE FUNCTION animus._pgmq_relations(queue_name text)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(animus._pgmq_relation(queue_name, k.kind) ORDER BY k.n)
    FROM unnest(ARRAY['queue', 'archive', 'msg_id_seq', 'queue_pkey', 'archive_pkey',
                      'vt_index', 'archived_at_index']) WITH ORDINALITY AS k(kind, n)
$$;

COMMENT ON FUNCTION animus._pgmq_relation(text, text) IS
    'Private. The unqualified name of a pgmq relation of a queue (schema pgmq): kind is queue, '
    'archive, msg_id_seq, queue_pkey, archive_pkey, vt_index or archived_at_index. '
    'Use as format(''pgmq.%I'', animus._pgmq_relation(name, ''queue'')). Errors: AN000 unknown kind.';
COMMENT ON FUNCTION animus._pgmq_relation_unknown_kind(text) IS
    'Private. Raises AN000 for an unknown kind of animus._pgmq_relation.';
COMMENT ON FUNCTION animus._pgmq_relations(text) IS
    'Private. Every relation name pgmq creates for the queue, in the order of animus._pgmq_relation''s kinds.';
REVOKE EXECUTE ON FUNCTION animus._pgmq_relation(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._pgmq_relation_unknown_kind(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._pgmq_relations(text) FROM PUBLIC;

COMMIT;
