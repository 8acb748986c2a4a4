-- Revert animus:function__retry_delay from pg
BEGIN;

DROP FUNCTION animus._retry_delay(text, integer);

COMMIT;
