-- Revert animus:function_forget_document from pg
BEGIN;

DROP FUNCTION animus.forget_document(text);

COMMIT;
