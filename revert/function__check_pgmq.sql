-- Revert animus:function__check_pgmq from pg
BEGIN;

DROP FUNCTION animus._check_pgmq(text);

COMMIT;
