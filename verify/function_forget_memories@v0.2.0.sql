-- Verify animus:function_forget_memories on pg
BEGIN;

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE oid = to_regprocedure('animus.forget_memories(jsonb, boolean)');
SELECT 1/has_function_privilege('animus_app', 'animus.forget_memories(jsonb, boolean)', 'EXECUTE')::int;

ROLLBACK;
