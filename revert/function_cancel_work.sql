-- Revert animus:function_cancel_work from pg
BEGIN;

DROP FUNCTION animus.cancel_work(uuid, text);

COMMIT;
