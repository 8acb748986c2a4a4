-- Verify animus:function_bind_scope on pg
BEGIN;

SELECT 1/has_function_privilege('animus_ops', 'animus.bind_scope(name, text)', 'EXECUTE')::int;
SELECT 1/COUNT(*) FROM pg_catalog.pg_proc
WHERE oid IN ('animus.bind_scope(name, text)'::regprocedure, 'animus.unbind_scope(name, text)'::regprocedure)
HAVING COUNT(*) = 2;

ROLLBACK;
