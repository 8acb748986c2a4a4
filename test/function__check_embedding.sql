-- pgTAP: animus._check_embedding() (this test database is deployed at embedding_dim 3).
BEGIN;
SELECT plan(12);

SELECT has_function('animus', '_check_embedding', ARRAY['vector'], 'animus._check_embedding(vector) exists');
SELECT is_definer('animus', '_check_embedding', ARRAY['vector'], 'it is security definer');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._check_embedding(public.vector)', 'EXECUTE'), 'it is private');
SELECT lives_ok($$SELECT animus._check_embedding('[0.1, -2, 3]')$$, 'a finite non-zero vector of the right size passes');
SELECT throws_ok($$SELECT animus._check_embedding('[1, 2]')$$, 'AN012', NULL, 'too few dimensions');
SELECT throws_ok($$SELECT animus._check_embedding('[1, 2, 3, 4]')$$, 'AN012', NULL, 'too many dimensions');
SELECT throws_ok($$SELECT animus._check_embedding('[0, 0, 0]')$$, 'AN013', NULL, 'all zeros has no direction');
SELECT throws_ok($$SELECT animus._check_embedding(NULL)$$, 'AN013', NULL, 'NULL is refused');
-- Finite in double precision, but pgvector's single-precision cosine overflows to NaN.
SELECT throws_ok($$SELECT animus._check_embedding('[3e38, 3e38, 3e38]')$$, 'AN013', NULL, 'components of 3e38 are refused (NaN cosine)');
SELECT throws_ok($$SELECT animus._check_embedding('[1e-30, 1e-30, 1e-30]')$$, 'AN013', NULL, 'a norm that underflows in single precision is refused');
SELECT lives_ok($$SELECT animus._check_embedding('[1000, 0.5, -3]')$$, 'an ordinary unnormalised vector passes');
-- NaN never gets this far: pgvector's input refuses it.
SELECT throws_ok($$SELECT animus._check_embedding('[NaN, 1, 1]')$$, '22000', NULL, 'pgvector refuses NaN at input');

SELECT * FROM finish();
ROLLBACK;
