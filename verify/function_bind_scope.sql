-- Verify animus:function_bind_scope on pg
BEGIN;

SELECT 1/has_function_privilege('animus_ops', 'animus.bind_scope(text, text)', 'EXECUTE')::int;
SELECT 1/has_function_privilege('animus_ops', 'animus.unbind_scope(text, text)', 'EXECUTE')::int;
SELECT 1/(to_regprocedure('animus.bind_scope(name, text)') IS NULL)::int;

ROLLBACK;
