-- Revert animus:function__check_scope from pg
BEGIN;

DROP FUNCTION animus._check_scope(text);
DROP FUNCTION animus._acting_roles();

COMMIT;
