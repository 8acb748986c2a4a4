-- Revert animus:function_set_queue_policy from pg
BEGIN;

DROP FUNCTION animus.set_queue_policy(text, integer, integer);

COMMIT;
