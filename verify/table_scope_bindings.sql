-- Verify animus:table_scope_bindings on pg
BEGIN;

SELECT role_name, scope, created_at FROM animus.scope_bindings WHERE false;

ROLLBACK;
