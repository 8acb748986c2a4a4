-- Revert animus:function_release_work from pg
BEGIN;

DROP FUNCTION animus.release_work(uuid, text, integer, integer);

COMMIT;
