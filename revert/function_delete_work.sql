-- Revert animus:function_delete_work from pg
BEGIN;

DROP FUNCTION animus.delete_work(text, bigint);

COMMIT;
