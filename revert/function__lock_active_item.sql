-- Revert animus:function__lock_active_item from pg
BEGIN;

DROP FUNCTION animus._lock_active_item(text, text);

COMMIT;
