-- Revert animus:function_fail_work from pg
BEGIN;

DROP FUNCTION animus.fail_work(uuid, text, integer);

COMMIT;
