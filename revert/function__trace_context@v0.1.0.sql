-- Revert animus:function__trace_context from pg
BEGIN;

DROP FUNCTION animus._trace_context(text);

COMMIT;
