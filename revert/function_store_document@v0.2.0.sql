-- Revert animus:function_store_document from pg
BEGIN;

DROP FUNCTION animus.store_document(text, text, jsonb, text, jsonb, text);

COMMIT;
