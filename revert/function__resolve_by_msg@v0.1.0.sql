-- Revert animus:function__resolve_by_msg from pg
BEGIN;

DROP FUNCTION animus._resolve_by_msg(text, bigint, text, text, text);

COMMIT;
