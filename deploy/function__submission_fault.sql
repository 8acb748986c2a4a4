-- Deploy animus:function__submission_fault to pg
-- The one validation of a submission's values that submit_work and submit_work_batch share, so
-- the same bad input gets the same SQLSTATE on both paths (client/tests/test_submit_parity.py
-- checks every rule). _submission_fault names the first rule a submission breaks, in a fixed
-- order; it is a plain immutable SQL function, so the planner inlines it into the batch's
-- set-based check and into submit_work's expression (inlining needs SECURITY INVOKER; it reads
-- nothing). _raise_submission_fault raises that rule's error. The JSON shape of a batch item
-- (an object, known keys, field types, whole numbers: AN007/AN008) stays in submit_work_batch,
-- since a single call's arguments are typed already.
BEGIN;

CREATE FUNCTION animus._submission_fault(work_type text, source text, params jsonb, dedup_key text,
                                         trigger_info text, max_attempts integer, delay_seconds integer,
                                         traceparent text, tracestate text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN coalesce(work_type, '') = '' OR coalesce(source, '') = '' THEN 'empty'
        WHEN jsonb_typeof(coalesce(params, '{}'::jsonb)) <> 'object' THEN 'params_type'
        WHEN octet_length(params::text) > 1048576 THEN 'params_size'
        WHEN octet_length(work_type) > 4096 OR octet_length(source) > 4096 OR octet_length(dedup_key) > 4096
             OR octet_length(trigger_info) > 4096 OR octet_length(traceparent) > 4096
             OR octet_length(tracestate) > 4096 THEN 'text_size'
        WHEN max_attempts < 1 THEN 'max_attempts'
        WHEN delay_seconds < 0 THEN 'delay'
        -- W3C: version 00, then non-zero trace and parent ids.
        WHEN traceparent !~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'
             OR traceparent ~ '^00-0{32}-' OR traceparent ~ '-0{16}-[0-9a-f]{2}$' THEN 'traceparent'
    END
$$;

CREATE FUNCTION animus._raise_submission_fault(fault text, item_position bigint, params jsonb,
                                               max_attempts integer, delay_seconds integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- A batch names the item; a single call has none.
    prefix text := CASE WHEN item_position IS NULL THEN '' ELSE format('batch item %s: ', item_position) END;
BEGIN
    CASE fault
    WHEN 'empty' THEN
        RAISE EXCEPTION '%work_type and source must be non-empty', prefix
            USING ERRCODE = 'AN008', HINT = 'Say what kind of work this is and who submits it.';
    WHEN 'params_type' THEN
        RAISE EXCEPTION '%params must be a JSON object, not %', prefix, jsonb_typeof(params)
            USING ERRCODE = 'AN005', HINT = 'Wrap the value in an object, e.g. {"value": ...}.';
    WHEN 'params_size' THEN
        RAISE EXCEPTION '%params is % bytes as text, over the 1 MiB limit', prefix, octet_length(params::text)
            USING ERRCODE = 'AN006', HINT = 'Store large inputs elsewhere and pass a reference.';
    WHEN 'text_size' THEN
        RAISE EXCEPTION '%a text field is over the 4096-byte limit', prefix
            USING ERRCODE = 'AN006', HINT = 'Shorten work_type, source, dedup_key, trigger_info or the trace context.';
    WHEN 'max_attempts' THEN
        RAISE EXCEPTION '%max_attempts must be at least 1, got %', prefix, max_attempts
            USING ERRCODE = 'AN008', HINT = 'Pass NULL for the default of 5 attempts.';
    WHEN 'delay' THEN
        RAISE EXCEPTION '%delay_seconds must not be negative, got %', prefix, delay_seconds
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to make the item visible at once.';
    WHEN 'traceparent' THEN
        RAISE EXCEPTION '%traceparent is not a valid W3C traceparent', prefix
            USING ERRCODE = 'AN008', HINT = 'Use 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, or NULL.';
    END CASE;
END
$$;

COMMENT ON FUNCTION animus._submission_fault(text, text, jsonb, text, text, integer, integer, text, text) IS
    'Private. The first rule a submission''s values break (empty, params_type, params_size, text_size, '
    'max_attempts, delay, traceparent), or NULL. Raises nothing.';
COMMENT ON FUNCTION animus._raise_submission_fault(text, bigint, jsonb, integer, integer) IS
    'Private. Raise the error of a rule named by _submission_fault: AN005 params not an object, '
    'AN006 params over 1 MiB or a text field over 4096 bytes, AN008 empty work_type/source, max_attempts < 1, '
    'negative delay, malformed traceparent. item_position (a batch''s 1-based index) prefixes the message.';
REVOKE EXECUTE ON FUNCTION animus._submission_fault(text, text, jsonb, text, text, integer, integer, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION animus._raise_submission_fault(text, bigint, jsonb, integer, integer) FROM PUBLIC;

COMMIT;
