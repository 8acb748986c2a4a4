-- Deploy animus:function__trace_context to pg
BEGIN;

CREATE FUNCTION animus._trace_context(statement text, OUT traceparent text, OUT tracestate text)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    comment_body text;
    encoded text;
BEGIN
    -- Only the sqlcommenter comment that ends the statement counts (optionally followed by ';').
    -- Anchoring at the end keeps a string literal or an earlier comment with the same text from
    -- counting. The tail is enough: a sqlcommenter comment is far shorter than 4096 characters.
    comment_body := substring(right(statement, 4096) FROM '/\*([^*]*)\*/[[:space:]]*;?[[:space:]]*$');
    IF comment_body IS NULL THEN
        RETURN;
    END IF;
    traceparent := substring(comment_body
        FROM '(?:^|,)traceparent=''(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})''(?:,|$)');
    -- W3C: an all-zero trace id or parent id is invalid.
    IF traceparent IS NULL OR traceparent ~ '^00-0{32}-' OR traceparent ~ '-0{16}-[0-9a-f]{2}$' THEN
        traceparent := NULL;
        RETURN;
    END IF;
    encoded := substring(comment_body FROM '(?:^|,)tracestate=''([^'']*)''(?:,|$)');
    -- sqlcommenter URL-encodes values. tracestate is printable ASCII, so only %20-%7F can occur;
    -- anything else (a bare '%', a non-ASCII byte) makes the value unusable and it is dropped.
    IF encoded IS NULL OR encoded ~ '%(?![2-7][0-9A-Fa-f])' THEN
        RETURN;
    END IF;
    SELECT string_agg(
               CASE WHEN left(part[1], 1) = '%'
                    THEN chr(('x' || substr(part[1], 2))::bit(8)::integer)
                    ELSE part[1] END,
               '' ORDER BY n)
    INTO tracestate
    FROM regexp_matches(encoded, '%[2-7][0-9A-Fa-f]|[^%]+', 'g') WITH ORDINALITY AS m(part, n);
    IF length(tracestate) > 512 OR tracestate !~ '^[ -~]+$' THEN
        tracestate := NULL;
    END IF;
END
$$;

COMMENT ON FUNCTION animus._trace_context(text) IS
    'Private. The W3C traceparent and (URL-decoded) tracestate of the sqlcommenter comment '
    '/*key=''value'',...*/ that ends a statement, or NULLs. Raises nothing.';
REVOKE EXECUTE ON FUNCTION animus._trace_context(text) FROM PUBLIC;

COMMIT;
