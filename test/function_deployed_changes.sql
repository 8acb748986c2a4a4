-- pgTAP: animus.deployed_changes().
BEGIN;
SELECT plan(8);

SELECT has_function('animus', 'deployed_changes', ARRAY[]::text[], 'animus.deployed_changes() exists');
SELECT function_returns('animus', 'deployed_changes', ARRAY[]::text[], 'setof text', 'it returns setof text');
SELECT is_definer('animus', 'deployed_changes', ARRAY[]::text[], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'deployed_changes', ARRAY[]::text[], 'stable', 'it is stable');

SELECT ok('schema' IN (SELECT animus.deployed_changes()), 'it lists a change from the start of the plan');
SELECT ok('function_deployed_changes' IN (SELECT animus.deployed_changes()), 'it lists itself');

-- An agent has no privilege on the registry, yet can read the list through the function.
SET LOCAL ROLE animus_app;
SELECT ok((SELECT count(*) FROM animus.deployed_changes()) > 1, 'animus_app reads the list');
RESET ROLE;
SELECT ok(NOT has_function_privilege('public', 'animus.deployed_changes()', 'EXECUTE'), 'PUBLIC may not call it');

SELECT * FROM finish();
ROLLBACK;
