-- Verify animus:function__queue_stats on pg
BEGIN;

SELECT has_function_privilege('animus_ops', 'animus._queue_stats(text)', 'EXECUTE');
SELECT 1 / (NOT has_function_privilege('animus_app', 'animus._queue_stats(text)', 'EXECUTE'))::int;

ROLLBACK;
