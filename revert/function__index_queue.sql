-- Revert animus:function__index_queue from pg
BEGIN;

DROP FUNCTION animus._index_queue(text);
DROP FUNCTION animus._priority_index(text);

COMMIT;
