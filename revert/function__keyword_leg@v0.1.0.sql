-- Revert animus:function__keyword_leg from pg
BEGIN;

DROP FUNCTION animus._keyword_leg(text, integer, animus.memory_filter, text);

COMMIT;
