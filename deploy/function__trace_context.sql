-- Deploy animus:function__trace_context to pg
-- The comment counts only when the statement is one statement that ends in it: before the
-- comment there must be no statement separator, and the comment must not sit inside a string,
-- a quoted identifier, a dollar quote or a -- comment. The usual statement (the client's
-- function call with $n parameters) has none of those characters and is accepted by one
-- regular expression; anything else is scanned once, character by character.
BEGIN;

CREATE OR REPLACE FUNCTION animus._trace_context(statement text, OUT traceparent text, OUT tracestate text)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    tail text;
    comment_body text;
    encoded text;
    prefix text;
    chars text[];
    n_chars integer;
    i integer := 1;
    c text;
    depth integer;
    delimiter text;
    escapes boolean;
BEGIN
    -- The tail is enough: a sqlcommenter comment is far shorter than 4096 characters.
    tail := substring(right(statement, 4096) FROM '/\*[^*]*\*/[[:space:]]*;?[[:space:]]*$');
    IF tail IS NULL THEN
        RETURN;
    END IF;
    comment_body := substring(tail FROM '^/\*([^*]*)\*/');
    prefix := left(statement, length(statement) - length(tail));
    IF prefix ~ '[''";]|--|/\*|\$[A-Za-z_$]' THEN
        chars := regexp_split_to_array(prefix, '');
        n_chars := coalesce(array_length(chars, 1), 0);
        WHILE i <= n_chars LOOP
            c := chars[i];
            IF c = ';' THEN
                RETURN;  -- more than one statement
            ELSIF c = '''' THEN
                -- E'...' strings take backslash escapes; '' is a quote in every string.
                escapes := i > 1 AND chars[i - 1] IN ('E', 'e') AND (i = 2 OR chars[i - 2] !~ '[[:alnum:]_$]');
                i := i + 1;
                LOOP
                    IF i > n_chars THEN RETURN; END IF;  -- the comment is inside a string
                    IF escapes AND chars[i] = '\' THEN
                        i := i + 2;
                    ELSIF chars[i] = '''' THEN
                        EXIT WHEN i = n_chars OR chars[i + 1] <> '''';
                        i := i + 2;
                    ELSE
                        i := i + 1;
                    END IF;
                END LOOP;
            ELSIF c = '"' THEN
                i := i + 1;
                LOOP
                    IF i > n_chars THEN RETURN; END IF;
                    IF chars[i] = '"' THEN
                        EXIT WHEN i = n_chars OR chars[i + 1] <> '"';
                        i := i + 2;
                    ELSE
                        i := i + 1;
                    END IF;
                END LOOP;
            ELSIF c = '-' AND i < n_chars AND chars[i + 1] = '-' THEN
                WHILE i <= n_chars AND chars[i] <> E'\n' LOOP
                    i := i + 1;
                END LOOP;
                IF i > n_chars THEN RETURN; END IF;  -- the comment is inside a -- comment
            ELSIF c = '/' AND i < n_chars AND chars[i + 1] = '*' THEN
                depth := 1;
                i := i + 2;
                WHILE depth > 0 LOOP
                    IF i > n_chars THEN RETURN; END IF;
                    IF chars[i] = '*' AND i < n_chars AND chars[i + 1] = '/' THEN
                        depth := depth - 1;
                        i := i + 2;
                    ELSIF chars[i] = '/' AND i < n_chars AND chars[i + 1] = '*' THEN
                        depth := depth + 1;
                        i := i + 2;
                    ELSE
                        i := i + 1;
                    END IF;
                END LOOP;
                CONTINUE;
            ELSIF c = '$' AND (i = 1 OR chars[i - 1] !~ '[[:alnum:]_$]') THEN
                delimiter := substring(array_to_string(chars[i:least(n_chars, i + 64)], '') FROM '^\$([A-Za-z_][A-Za-z_0-9]*)?\$');
                IF delimiter IS NOT NULL OR array_to_string(chars[i:least(n_chars, i + 1)], '') = '$$' THEN
                    delimiter := '$' || coalesce(delimiter, '') || '$';
                    i := i + length(delimiter);
                    LOOP
                        IF i > n_chars THEN RETURN; END IF;  -- the comment is inside a dollar quote
                        IF chars[i] = '$' AND array_to_string(chars[i:i + length(delimiter) - 1], '') = delimiter THEN
                            i := i + length(delimiter);
                            EXIT;
                        END IF;
                        i := i + 1;
                    END LOOP;
                    CONTINUE;
                END IF;
            END IF;
            i := i + 1;
        END LOOP;
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
$body$;

COMMENT ON FUNCTION animus._trace_context(text) IS
    'Private. The W3C traceparent and (URL-decoded) tracestate of the sqlcommenter comment '
    '/*key=''value'',...*/ that ends a statement, or NULLs. NULLs too when the text holds more than one '
    'statement, or the comment lies inside a string, a quoted identifier, a dollar quote or a -- comment. '
    'Raises nothing.';
REVOKE EXECUTE ON FUNCTION animus._trace_context(text) FROM PUBLIC;

COMMIT;
