-- pgTAP: animus._trace_context(statement), the sqlcommenter parser.
BEGIN;
SELECT plan(22);

SELECT has_function('animus', '_trace_context', ARRAY['text'], 'animus._trace_context(text) exists');
SELECT is_definer('animus', '_trace_context', ARRAY['text'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', '_trace_context', ARRAY['text'], 'immutable', 'it is immutable');

SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a trailing comment gives the traceparent');
SELECT is((animus._trace_context($q$SELECT 1 /*action='x',traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/ ;  $q$)).tracestate,
    'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'tracestate is URL-decoded; other keys, a ; and spaces after are fine');
SELECT is((animus._trace_context($q$SELECT '/*traceparent=''00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01''*/'$q$)).traceparent,
    NULL, 'the same text inside a string literal does not count');
SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/ + 2$q$)).traceparent,
    NULL, 'a comment that does not end the statement does not count');
SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-00000000000000000000000000000000-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'an all-zero trace id is refused');
SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'*/$q$)).traceparent,
    NULL, 'an all-zero span id is refused');
SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'upper-case hex is not a well-formed traceparent');
SELECT is((animus._trace_context($q$SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x'*/$q$)).traceparent,
    NULL, 'trailing garbage in the value is refused');
SELECT ok((SELECT t.traceparent IS NOT NULL AND t.tracestate IS NULL
            FROM animus._trace_context($q$SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',tracestate='a%FFb'*/$q$) t),
    'a tracestate with a non-ASCII escape is dropped, the traceparent kept');
SELECT ok((SELECT t.traceparent IS NULL AND t.tracestate IS NULL FROM animus._trace_context('SELECT 1') t),
    'no comment, no context');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._trace_context(text)', 'EXECUTE'),
    'the private helper is not callable by animus_app');

-- Issue 13: only a lone statement's own trailing comment counts.
SELECT is((animus._trace_context($q$SELECT animus.submit_work('a', 'b', 'c'); SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'a second statement''s comment does not count for the first');
SELECT is((animus._trace_context($q$SELECT 1 -- /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'a comment inside a -- comment does not count');
SELECT is((animus._trace_context($q$SELECT 'it''s' -- note
 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a -- comment that ends before the trace comment is fine, and so is a string with a quote');
SELECT is((animus._trace_context($q$SELECT 'a;b', "x;y", $d$;$d$ /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a ; inside a string, a quoted identifier or a dollar quote is not a separator');
SELECT is((animus._trace_context($q$SELECT $d$ unterminated /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'a comment inside an open dollar quote does not count');
SELECT is((animus._trace_context($q$SELECT E'it\'s /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    NULL, 'an E string''s backslash escape keeps the string open, so the comment is inside it');
SELECT is((animus._trace_context($q$SELECT /* a ; /* nested */ b */ 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'a ; inside a nested block comment is not a separator');
SELECT is((animus._trace_context($q$SELECT * FROM animus.submit_work(queue_name => $1::text) /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/$q$)).traceparent,
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'the client''s statement with $n parameters is accepted');

SELECT * FROM finish();
ROLLBACK;
