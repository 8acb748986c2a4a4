-- Revert animus:function__is_active from pg
BEGIN;

DROP FUNCTION animus._is_active(text);

COMMIT;
