-- pgTAP: animus.embedding_dim().
BEGIN;
SELECT plan(6);

SELECT has_function('animus', 'embedding_dim', ARRAY[]::text[], 'animus.embedding_dim() exists');
SELECT function_returns('animus', 'embedding_dim', ARRAY[]::text[], 'integer', 'it returns integer');
SELECT volatility_is('animus', 'embedding_dim', ARRAY[]::text[], 'immutable', 'it is immutable');
SELECT cmp_ok(animus.embedding_dim(), '>', 0, 'the deployed dimension is positive');
SELECT ok(has_function_privilege('animus_app', 'animus.embedding_dim()', 'EXECUTE'), 'animus_app may call it');

SELECT ok(NOT has_function_privilege('public', 'animus.embedding_dim()', 'EXECUTE'), 'PUBLIC may not');

SELECT * FROM finish();
ROLLBACK;
