-- Revert animus:function__refuse_settle from pg
BEGIN;

DROP FUNCTION animus._refuse_settle(uuid, integer, text);

COMMIT;
