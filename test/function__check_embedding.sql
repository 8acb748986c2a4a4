-- pgTAP: animus._check_embedding() (this test database is deployed at embedding_dim 3).
BEGIN;
SELECT plan(9);

SELECT has_function('animus', '_check_embedding', ARRAY['vector'], 'animus._check_embedding(vector) exists');
SELECT is_definer('animus', '_check_embedding', ARRAY['vector'], 'it is security definer');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._check_embedding(public.vector)', 'EXECUTE'), 'it is private');
SELECT lives_ok($$SELECT animus._check_embedding('[0.1, -2, 3]')$$, 'a finite non-zero vector of the right size passes');
SELECT throws_ok($$SELECT animus._check_embedding('[1, 2]')$$, 'AN012', NULL, 'too few dimensions');
SELECT throws_ok($$SELECT animus._check_embedding('[1, 2, 3, 4]')$$, 'AN012', NULL, 'too many dimensions');
SELECT throws_ok($$SELECT animus._check_embedding('[0, 0, 0]')$$, 'AN013', NULL, 'all zeros has no direction');
SELECT throws_ok($$SELECT animus._check_embedding(NULL)$$, 'AN013', NULL, 'NULL is refused');
-- NaN never gets this far: pgvector's input refuses it.
SELECT throws_ok($$SELECT animus._check_embedding('[NaN, 1, 1]')$$, '22000', NULL, 'pgvector refuses NaN at input');

SELECT * FROM finish();
ROLLBACK;
