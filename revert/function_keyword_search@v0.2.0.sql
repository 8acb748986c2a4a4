-- Revert animus:function_keyword_search from pg
BEGIN;

DROP FUNCTION animus.keyword_search(text, integer, jsonb, text);

COMMIT;
