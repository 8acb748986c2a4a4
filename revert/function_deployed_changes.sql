-- Revert animus:function_deployed_changes from pg
BEGIN;

DROP FUNCTION animus.deployed_changes();

COMMIT;
