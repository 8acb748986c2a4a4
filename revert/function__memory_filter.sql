-- Revert animus:function__memory_filter from pg
BEGIN;

DROP FUNCTION animus._memory_filter(jsonb);

COMMIT;
