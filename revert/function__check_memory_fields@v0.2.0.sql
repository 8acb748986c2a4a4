-- Revert animus:function__check_memory_fields from pg
BEGIN;

DROP FUNCTION animus._check_memory_fields(text, text, public.vector, text, jsonb, text);

COMMIT;
