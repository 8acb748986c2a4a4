-- Revert animus:function__queue_stats from pg
BEGIN;

DROP FUNCTION animus._queue_stats(text);

COMMIT;
