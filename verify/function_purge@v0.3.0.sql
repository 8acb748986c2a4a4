-- Verify animus:function_purge on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.purge(interval, integer, text)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.purge(interval, integer, text)', 'EXECUTE'))::int;

ROLLBACK;
