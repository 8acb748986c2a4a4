-- Revert animus:function__queue_length from pg
BEGIN;

DROP FUNCTION animus._queue_length(text);

COMMIT;
