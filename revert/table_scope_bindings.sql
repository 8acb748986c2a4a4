-- Revert animus:table_scope_bindings from pg
BEGIN;

DROP TABLE animus.scope_bindings;

COMMIT;
