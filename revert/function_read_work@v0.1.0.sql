-- Revert animus:function_read_work from pg
BEGIN;

DROP FUNCTION animus.read_work(text, integer, integer);

COMMIT;
