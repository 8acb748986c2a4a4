-- pgTAP: animus._check_queue(queue_name, must_exist).
BEGIN;
SELECT plan(9);

SELECT has_function('animus', '_check_queue', ARRAY['text', 'boolean'], 'animus._check_queue(text, boolean) exists');
SELECT function_returns('animus', '_check_queue', ARRAY['text', 'boolean'], 'void', 'it returns void');
SELECT is_definer('animus', '_check_queue', ARRAY['text', 'boolean'], 'it is SECURITY DEFINER');
SELECT animus.create_queue('pgtap_check_q');
SELECT lives_ok($$SELECT animus._check_queue('pgtap_check_q')$$, 'a created queue passes');
SELECT throws_ok($$SELECT animus._check_queue('pgtap_never_made')$$, 'AN002', NULL, 'an unknown queue is AN002');
SELECT lives_ok($$SELECT animus._check_queue('pgtap_never_made', false)$$, 'an unknown but valid name passes when it need not exist');
SELECT throws_ok($$SELECT animus._check_queue(repeat('a', 48), false)$$, 'AN001', NULL, '48 characters is AN001');
SELECT throws_ok($$SELECT animus._check_queue('9lives', false)$$, 'AN001', NULL, 'a leading digit is AN001');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._check_queue(text, boolean)', 'EXECUTE'),
    'the private helper is not callable by animus_app');

SELECT * FROM finish();
ROLLBACK;
