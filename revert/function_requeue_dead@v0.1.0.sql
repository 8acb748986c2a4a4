-- Revert animus:function_requeue_dead from pg
BEGIN;

DROP FUNCTION animus.requeue_dead(text, uuid[]);

COMMIT;
