-- Revert animus:function_extend_work from pg
BEGIN;

DROP FUNCTION animus.extend_work(uuid, integer);

COMMIT;
