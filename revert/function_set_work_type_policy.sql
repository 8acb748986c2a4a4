-- Revert animus:function_set_work_type_policy from pg
BEGIN;

DROP FUNCTION animus.set_work_type_policy(text, integer, integer, integer);

COMMIT;
