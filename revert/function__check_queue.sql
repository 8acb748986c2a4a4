-- Revert animus:function__check_queue from pg
BEGIN;

DROP FUNCTION animus._check_queue(text, boolean);

COMMIT;
