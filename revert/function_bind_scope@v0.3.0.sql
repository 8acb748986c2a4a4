-- Revert animus:function_bind_scope from pg
BEGIN;

DROP FUNCTION animus.unbind_scope(name, text);
DROP FUNCTION animus.bind_scope(name, text);

COMMIT;
