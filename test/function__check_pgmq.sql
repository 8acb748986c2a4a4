-- pgTAP: animus._check_pgmq, the deploy-time guard on pgmq's version.
BEGIN;
SELECT plan(9);

SELECT has_function('animus', '_check_pgmq', ARRAY['text'], 'animus._check_pgmq(text) exists');
SELECT is(animus._check_pgmq(), (SELECT extversion FROM pg_extension WHERE extname = 'pgmq'),
    'the installed pgmq is in the tested range');
SELECT is(animus._check_pgmq('1.13.0'), '1.13.0', '1.13.0 is accepted');
SELECT is(animus._check_pgmq('1.13.7'), '1.13.7', 'a patch release of 1.13 is accepted');
SELECT throws_ok($$SELECT animus._check_pgmq('1.12.9')$$, 'AN000', NULL, 'an older minor is refused');
SELECT throws_ok($$SELECT animus._check_pgmq('1.14.0')$$, 'AN000', NULL, 'a newer minor is refused');
SELECT throws_ok($$SELECT animus._check_pgmq('2.0.0')$$, 'AN000', NULL, 'a new major is refused');
SELECT throws_ok($$SELECT animus._check_pgmq('1.13.0-beta')$$, 'AN000', NULL, 'a version that does not parse is refused');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._check_pgmq(text)', 'EXECUTE'), 'animus_app cannot call it');

SELECT * FROM finish();
ROLLBACK;
