-- Revert animus:function_stored_documents from pg
BEGIN;

DROP FUNCTION animus.stored_documents(text[], text);

COMMIT;
