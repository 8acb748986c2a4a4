-- Revert animus:function_purge from pg
BEGIN;

DROP FUNCTION animus.purge(interval, integer, text);

COMMIT;
