-- Revert animus:function__parse_memory_filter from pg
BEGIN;

DROP FUNCTION animus._parse_memory_filter(jsonb);

COMMIT;
