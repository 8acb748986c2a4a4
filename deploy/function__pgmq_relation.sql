-- Deploy animus:function__pgmq_relation to pg
-- The same names as before, from a plain SQL function: the planner inlines it, and with a
-- constant kind folds the CASE to the one concatenation, where the PL/pgSQL version entered a
-- security context (SECURITY DEFINER, SET search_path) on every call of every hot path. It
-- reads nothing, so it needs no definer rights; EXECUTE stays revoked from PUBLIC.
BEGIN;

CREATE OR REPLACE FUNCTION animus._pgmq_relation(queue_name text, kind text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE kind
        WHEN 'queue' THEN 'q_' || queue_name
        WHEN 'archive' THEN 'a_' || queue_name
        WHEN 'msg_id_seq' THEN 'q_' || queue_name || '_msg_id_seq'
        WHEN 'queue_pkey' THEN 'q_' || queue_name || '_pkey'
        WHEN 'archive_pkey' THEN 'a_' || queue_name || '_pkey'
        WHEN 'vt_index' THEN 'q_' || queue_name || '_vt_idx'
        WHEN 'archived_at_index' THEN 'archived_at_idx_' || queue_name
        ELSE animus._pgmq_relation_unknown_kind(kind)
    END
$$;

COMMENT ON FUNCTION animus._pgmq_relation(text, text) IS
    'Private. The unqualified name of a pgmq relation of a queue (schema pgmq): kind is queue, '
    'archive, msg_id_seq, queue_pkey, archive_pkey, vt_index or archived_at_index. '
    'Use as format(''pgmq.%I'', animus._pgmq_relation(name, ''queue'')). Errors: AN000 unknown kind.';
REVOKE EXECUTE ON FUNCTION animus._pgmq_relation(text, text) FROM PUBLIC;

COMMIT;
