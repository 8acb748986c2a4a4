-- Revert animus:function_submit_work from pg
BEGIN;

DROP FUNCTION animus.submit_work(text, text, text, jsonb, text, text, integer, uuid, integer, integer, text, text);

COMMIT;
