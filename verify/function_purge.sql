-- Verify animus:function_purge on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus.purge(interval, integer, text)', 'EXECUTE');
SELECT has_function_privilege('animus_ops', 'animus.purge(text, integer, text)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.purge(interval, integer, text)', 'EXECUTE'))::int;
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus.purge(text, integer, text)', 'EXECUTE'))::int;
DO $$ BEGIN ASSERT pg_get_functiondef('animus.purge(interval, integer, text)'::regprocedure) LIKE '%isfinite%'; END $$;

ROLLBACK;
